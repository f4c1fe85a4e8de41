//! Where localnet still answers differently from agave's validator, each with its reason —
//! the same list docs/localnet.md gives ("What localnet does not have yet"). A comparison
//! passes when every difference it finds is one of these, and fails when one of these no
//! longer shows: a gap that closed leaves the list, so the list is always what is true.
#[derive(Debug, PartialEq)]
pub struct Gap {
    /// A difference line (`case: path: …`) shows this gap when it contains `path` and its
    /// case starts with `case`.
    pub case: &'static str,
    pub path: &'static str,
    pub why: &'static str,
}

/// What the JSON-RPC comparison (tests/json_rpc.rs) sees differently: nothing known.
pub const JSON_RPC: &[Gap] = &[];

/// What web3.js and kit see differently (tests/clients.rs): nothing known.
pub const CLIENTS: &[Gap] = &[];

/// Which of `differences` no gap explains, and which gaps none of them showed.
pub fn unexplained<'a>(differences: &'a [String], gaps: &'a [Gap]) -> (Vec<&'a String>, Vec<&'a Gap>) {
    let shows = |d: &String, g: &Gap| d.starts_with(g.case) && d.contains(g.path);
    let unexplained = differences.iter().filter(|d| !gaps.iter().any(|g| shows(d, g))).collect();
    let closed = gaps.iter().filter(|g| !differences.iter().any(|d| shows(d, g))).collect();
    (unexplained, closed)
}

/// Fails with both lists when a difference is new or a gap has closed.
pub fn assert_only_known(differences: &[String], gaps: &[Gap], cases: usize) {
    let (new, closed) = unexplained(differences, gaps);
    assert!(
        new.is_empty() && closed.is_empty(),
        "{} differences from agave's validator over {cases} cases are not known gaps:\n{}\n\n\
         known gaps that no longer show (remove them from gaps.rs and docs/localnet.md):\n{}",
        new.len(),
        new.iter().map(|d| d.as_str()).collect::<Vec<_>>().join("\n"),
        closed.iter().map(|g| format!("{} / {}: {}", g.case, g.path, g.why)).collect::<Vec<_>>().join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_difference_and_a_closed_gap_both_fail() {
        let gaps = [Gap { case: "getFoo", path: "result.x", why: "" }];
        let known = vec!["getFoo (a): result.x: 1 (reference) vs 2 (localnet)".to_string()];
        assert_eq!(unexplained(&known, &gaps), (vec![], vec![]));
        let new = vec!["getBar: result.y: 1 (reference) vs 2 (localnet)".to_string()];
        let (unexplained_new, closed) = unexplained(&new, &gaps);
        assert_eq!((unexplained_new.len(), closed.len()), (1, 1));
    }
}
