//! A prosumer in the browser. Bob registers his rooftop meter from the "Produce" view; the
//! oracle attests 2 MWh of its production (the simulator's own poster) and the page follows
//! the mints live, as totals, a chart and the latest readings. He issues two 1-MWh
//! certificates from what was minted, transfers one to Alice and retires the other for her;
//! each certificate shows its history, and the chain agrees.
use gridtokenx_browser_tests::{confirmed, connected_page, Stack};
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prosumer_registers_a_meter_sees_its_mints_and_certifies_them() {
    let stack = Stack::start().await;
    let (alice, bob) = (stack.keys.traders[0].pubkey(), stack.keys.traders[1].insecure_clone());
    let page = connected_page(&stack, &bob).await;
    page.click("[data-testid=nav-produce]").await;
    page.text_until("[data-testid=no-meters]", "a new prosumer has no meter", |t| t.contains("No meter")).await;

    // A typo is caught as typed; then the id as printed on the meter.
    page.type_into("[data-testid=meter-id]", &"x".repeat(33)).await;
    page.text_until("[data-testid=meter-id-check]", "an over-long id is refused", |t| t.contains("at most 32")).await;
    page.type_into("[data-testid=meter-id]", "ROOF-42").await;
    confirmed("the registration", page.transact("[data-testid=register-meter]", "the registration settles").await);
    page.text_until("[data-testid=meters]", "the meter is listed", |t| t.contains("ROOF-42 · active · 0 kWh minted")).await;

    // 41 readings: a baseline, then 50 kWh every 15 minutes, 2 MWh in all.
    let mut meter_id = [0u8; 32];
    meter_id[..7].copy_from_slice(b"ROOF-42");
    let cumulative: Vec<u64> = (0..=40).map(|k| k * 50_000).collect();
    stack.attest_production(&bob, meter_id, &cumulative).await;
    let summary = page
        .text_until("[data-testid=meter-summary]", "the mints are followed live", |t| t.contains("2000 kWh minted"))
        .await;
    assert!(summary.contains("2 MWh can be certified"), "{summary}");
    let chart = page.client.find(fantoccini::Locator::Css("[data-testid=minted-chart]")).await.expect("a chart");
    let label = chart.attr("aria-label").await.expect("an attribute").unwrap_or_default();
    assert!(label.starts_with("Energy minted: 2000.000 kWh over 41 readings"), "{label}");
    assert_eq!(page.count("[data-testid=readings] li").await, 5, "the latest readings are listed");
    page.screenshot("produce-desktop-minted").await;

    for certified in ["1000 kWh certified in 1 certificate ", "2000 kWh certified in 2 certificates"] {
        page.type_into("[data-testid=rec-mwh]", "1").await;
        confirmed("the certificate", page.transact("[data-testid=issue-rec]", "the issue settles").await);
        page.text_until("[data-testid=meter-summary]", "the certified energy is counted", |t| {
            t.contains(certified)
        })
        .await;
    }
    page.text_until("[data-testid=certificates]", "both certificates are listed", |t| {
        t.contains("Certificate #0 · 1 MWh · active") && t.contains("Certificate #1 · 1 MWh · active")
    })
    .await;
    assert_eq!(page.count("[data-testid=issue-rec]").await, 0, "nothing more to certify");

    // Certificates are listed by serial: retire #1 for Alice, then give #0 to her.
    let alice_text = alice.to_string();
    let (first, second) = ("[data-testid=certificate]:nth-child(1)", "[data-testid=certificate]:nth-child(2)");
    page.type_into(&format!("{second} [data-testid=rec-to]"), &alice_text).await;
    confirmed("the retirement", page.transact(&format!("{second} [data-testid=retire-rec]"), "the retirement settles").await);
    page.text_until("[data-testid=certificates]", "the retirement is shown", |t| t.contains(&format!("retired for {alice_text}"))).await;
    page.type_into(&format!("{first} [data-testid=rec-to]"), &alice_text).await;
    confirmed("the transfer", page.transact(&format!("{first} [data-testid=transfer-rec]"), "the transfer settles").await);
    let listed = page
        .text_until("[data-testid=certificates]", "the transferred certificate leaves Bob's list", |t| !t.contains("active"))
        .await;
    assert!(listed.contains("issued") && listed.contains("retired for"), "history shown: {listed}");

    // The chain agrees: #0 is Alice's, #1 retired for her.
    let meter = energy::client::meter_address(&meter_id, &bob.pubkey());
    let rpc = stack.rpc();
    for (serial, owner, retired) in [(0u64, alice, false), (1, bob.pubkey(), true)] {
        let data = rpc.get_account_data(&energy::client::certificate_address(&meter, serial)).await.expect("the certificate");
        let cert = <energy::state::Certificate as anchor_lang::AccountDeserialize>::try_deserialize(&mut &data[..]).expect("decodes");
        assert_eq!(cert.owner, owner, "certificate #{serial}'s owner");
        assert_eq!(cert.status == energy::state::CertificateStatus::Retired, retired, "certificate #{serial}'s status");
    }
    page.phone_width(true).await;
    page.screenshot("produce-phone-certified").await;
    let problems = page.console_problems().await;
    assert!(problems.is_empty(), "the page logged: {problems:#?}");
    page.client.close().await.expect("closes");
}
