//! A request sent to both chains and the rule its two replies are compared by.
use serde_json::Value;

use crate::chains::Endpoint;
use crate::compare::differences;
use crate::scenario::Landed;

type PerChain = Box<dyn Fn(&Landed) -> Value + Send + Sync>;

pub struct Case {
    pub name: String,
    pub method: String,
    /// The parameters, from what the scenario landed on that chain (its signatures, slots).
    pub params: PerChain,
    /// Paths that are the chain's own (`compare`): compared by shape only.
    pub masked: Vec<&'static str>,
    /// Applied to both replies before comparing (e.g. sorting what agave returns unordered).
    pub normalize: Option<fn(&mut Value)>,
}

impl Case {
    /// `method` with the same `params` on both chains; `context.slot` is each chain's own.
    pub fn same(method: &str, params: Value) -> Case {
        Case::per_chain(method, move |_| params.clone())
    }

    pub fn per_chain(method: &str, params: impl Fn(&Landed) -> Value + Send + Sync + 'static) -> Case {
        Case {
            name: method.to_string(),
            method: method.to_string(),
            params: Box::new(params),
            masked: vec!["result.context.slot"],
            normalize: None,
        }
    }

    /// Names the case in the report (when one method is asked several ways).
    pub fn named(mut self, name: &str) -> Case {
        self.name = format!("{} ({name})", self.method);
        self
    }

    /// Adds paths compared by shape only.
    pub fn mask(mut self, paths: &[&'static str]) -> Case {
        self.masked.extend_from_slice(paths);
        self
    }

    pub fn normalized(mut self, normalize: fn(&mut Value)) -> Case {
        self.normalize = Some(normalize);
        self
    }

    /// Sends the case to both chains; every difference, each line prefixed with the case.
    pub async fn check(&self, reference: (&Endpoint, &Landed), localnet: (&Endpoint, &Landed)) -> Vec<String> {
        let (r_params, l_params) = ((self.params)(reference.1), (self.params)(localnet.1));
        let (mut r, mut l) = tokio::join!(
            crate::rpc::call(reference.0, &self.method, r_params),
            crate::rpc::call(localnet.0, &self.method, l_params)
        );
        if let Some(normalize) = self.normalize {
            normalize(&mut r);
            normalize(&mut l);
        }
        differences(&r, &l, &self.masked).into_iter().map(|d| format!("{}: {d}", self.name)).collect()
    }
}

/// Sorts `result.value` (or `result`) arrays of `{pubkey, …}` by key: agave returns program
/// and token accounts in its index's order.
pub fn by_pubkey(reply: &mut Value) {
    let list = match reply.pointer_mut("/result/value") {
        Some(v @ Value::Array(_)) => v,
        _ => match reply.pointer_mut("/result") {
            Some(v @ Value::Array(_)) => v,
            _ => return,
        },
    };
    if let Value::Array(items) = list {
        items.sort_by_key(|i| i["pubkey"].as_str().unwrap_or_default().to_string());
    }
}

/// The vote program: the reference's blocks carry its validator's votes, localnet (one
/// node, no consensus) casts none.
pub const VOTE_PROGRAM: &str = "Vote111111111111111111111111111111111111111";

/// What a one-node chain's block cannot hold: drops the reference's vote transactions from
/// a `getBlock` reply, and both chains' `rewards` (agave pays the leader half of a block's
/// fees when it freezes the bank; localnet's bank never freezes a block, so its blocks list
/// no fee reward — docs/localnet.md).
pub fn without_votes(reply: &mut Value) {
    let is_vote = |tx: &Value| tx.to_string().contains(VOTE_PROGRAM);
    if let Some(Value::Array(txs)) = reply.pointer_mut("/result/transactions") {
        txs.retain(|t| !is_vote(t));
    }
    if let Some(Value::Object(block)) = reply.get_mut("result") {
        block.remove("rewards");
    }
}

/// Replaces each chain's validator identity (a map key in `getLeaderSchedule` and
/// `getBlockProduction`) with `"identity"`, and lists `getVoteAccounts`' current and
/// delinquent accounts together without their epoch credits: agave's one validator votes
/// (whether it counts as delinquent at a given moment depends on its last vote, and its
/// credits grow), localnet's never votes (docs/localnet.md).
pub fn one_validator(reply: &mut Value) {
    fn rename_keys(value: &mut Value) {
        if let Value::Object(map) = value {
            if map.len() == 1 && map.keys().all(|k| k.len() >= 32 && bs58::decode(k).into_vec().is_ok()) {
                let (_, inner) = std::mem::take(map).into_iter().next().unwrap();
                map.insert("identity".to_string(), inner);
            }
        }
    }
    if let Some(schedule) = reply.get_mut("result") {
        rename_keys(schedule);
    }
    if let Some(by_identity) = reply.pointer_mut("/result/value/byIdentity") {
        rename_keys(by_identity);
    }
    if let Some(Value::Object(votes)) = reply.get_mut("result") {
        if let (Some(Value::Array(current)), Some(Value::Array(delinquent))) =
            (votes.get("current").cloned(), votes.get("delinquent").cloned())
        {
            let mut all = [current, delinquent].concat();
            all.iter_mut().filter_map(Value::as_object_mut).for_each(|v| {
                v.remove("epochCredits");
            });
            votes.insert("current".into(), Value::Array(all));
            votes.insert("delinquent".into(), Value::Array(Vec::new()));
        }
    }
}

/// Keeps what `getClusterNodes` says of a node that localnet has too: its key, version and
/// RPC and PubSub addresses (localnet runs no gossip, TPU, TVU or repair service).
pub fn rpc_and_pubsub_only(reply: &mut Value) {
    if let Some(Value::Array(nodes)) = reply.get_mut("result") {
        for node in nodes.iter_mut().filter_map(Value::as_object_mut) {
            node.retain(|k, _| matches!(k.as_str(), "pubkey" | "rpc" | "pubsub" | "version" | "tpu" | "tpuForwards"));
        }
    }
}
