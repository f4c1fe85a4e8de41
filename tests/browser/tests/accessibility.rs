//! Every main view, audited in the browser at desktop and phone width by axe-core (WCAG 2.1
//! A and AA and axe's best practices): no serious or critical finding. Pressing Tab from the top
//! reaches every visible control, and the console stays free of warnings and errors. The
//! wallet is a council member's with a meter that produced, so every view shows its full
//! content: markets and book, the meter's readings and chart, council forms and proposals, and
//! the signed-in settings form.
use gridtokenx_browser_tests::{connected_page, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_passes_axe_and_tab_reaches_every_control() {
    let stack = Stack::start().await;
    let member = &stack.keys.members[0];
    stack.produce_energy(member, 2_000).await;
    let page = connected_page(&stack, member).await;

    let mut problems = Vec::new();
    let views = [
        ("nav-trade", "[data-testid=markets]"),
        ("nav-produce", "[data-testid=minted-chart]"),
        ("nav-council", "[data-testid=proposals] li"),
        ("nav-settings", "[data-testid=sign-in]"),
    ];
    for (nav, loaded) in views {
        page.click(&format!("[data-testid={nav}]")).await;
        page.text(loaded).await;
        if nav == "nav-settings" {
            page.click("[data-testid=sign-in]").await;
            page.text_until("[data-testid=settings-status]", "signed in", |t| t.starts_with("Signed in as"))
                .await;
        }
        problems.extend(page.accessibility_problems().await.into_iter().map(|p| format!("{nav}: {p}")));
        page.phone_width(true).await;
        problems
            .extend(page.accessibility_problems().await.into_iter().map(|p| format!("{nav} (phone): {p}")));
        page.phone_width(false).await;
        problems.extend(
            page.controls_tab_misses().await.into_iter().map(|m| format!("{nav}: Tab never reaches {m}")),
        );
    }
    page.screenshot("settings-desktop-audited").await;
    assert!(problems.is_empty(), "accessibility problems: {problems:#?}");
    // The audit itself: an input without a label is a critical finding.
    page.eval("document.querySelector('main').append(document.createElement('input')); return null").await;
    let unlabelled = page.accessibility_problems().await;
    assert!(
        unlabelled.iter().any(|p| p.starts_with("label (critical)")),
        "axe-core misses an unlabelled input: {unlabelled:?}"
    );
    let logged = page.console_problems().await;
    assert!(logged.is_empty(), "the page logged: {logged:#?}");
    page.client.close().await.expect("closes");
}
