//! The grid map: the feeder drawn from our own data as SVG (no tile service), live from the
//! indexer's `grid` channel — lines and transformers coloured by loading, buses by voltage,
//! meters by net production — with a legend, a summary in words, and each element's
//! values on hover, keyboard focus or touch (`app_logic::grid_map` decides what and how).
use gridtokenx_app_logic::grid_map::{self, GridMapState, Loading, Net, Voltage};
use leptos::prelude::*;

use crate::live;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 420.0;

/// A coordinate of the drawing: a tenth of a unit is finer than a pixel.
fn n(v: f64) -> String {
    format!("{v:.1}")
}

#[component]
pub fn MapView() -> impl IntoView {
    let state = RwSignal::new(GridMapState::default());
    live::follow_into("grid", state, GridMapState::apply_frame);
    // The values of the element pointed at or focused, read out politely.
    let shown = RwSignal::new(String::new());
    let hover = move |text: String| move |_: leptos::ev::MouseEvent| shown.set(text.clone());
    let focus = move |text: String| move |_: leptos::ev::FocusEvent| shown.set(text.clone());
    view! {
        <section class="map" aria-labelledby="map-h">
            <h2 id="map-h">"Grid"</h2>
            {move || state.with(|s| match (&s.error, s.feeders.values().next()) {
                (Some(e), _) => view! { <p class="error" role="alert" data-testid="map-error">{format!("The grid map cannot be drawn: {e}")}</p> }.into_any(),
                (None, None) if !s.loaded => view! { <p>"Loading the grid…"</p> }.into_any(),
                (None, None) => view! { <p data-testid="map-empty">"No feeder has been published yet."</p> }.into_any(),
                (None, Some(feeder)) => {
                    let d = grid_map::draw(feeder, WIDTH, HEIGHT);
                    view! {
                        <svg class="grid-map" data-testid="grid-map" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="group"
                            aria-label=d.summary.clone()>
                            {d.lines.into_iter().map(|l| view! {
                                <line class=format!("line {}", l.class) x1=n(l.x1) y1=n(l.y1) x2=n(l.x2) y2=n(l.y2) tabindex="0"
                                    aria-label=l.text.clone() data-testid="map-line"
                                    on:mouseenter=hover(l.text.clone()) on:focus=focus(l.text.clone())>
                                    <title>{l.text.clone()}</title>
                                </line>
                            }).collect_view()}
                            {d.transformers.into_iter().map(|t| view! {
                                <rect class=format!("trafo {}", t.class) x=n(t.x - t.r) y=n(t.y - t.r) width=n(2.0 * t.r) height=n(2.0 * t.r) tabindex="0"
                                    aria-label=t.text.clone() data-testid="map-transformer"
                                    on:mouseenter=hover(t.text.clone()) on:focus=focus(t.text.clone())>
                                    <title>{t.text.clone()}</title>
                                </rect>
                            }).collect_view()}
                            {d.buses.into_iter().map(|b| view! {
                                <circle class=format!("bus {}", b.class) cx=n(b.x) cy=n(b.y) r=n(b.r) data-testid="map-bus"
                                    on:mouseenter=hover(b.text.clone())>
                                    <title>{b.text.clone()}</title>
                                </circle>
                            }).collect_view()}
                            {d.meters.into_iter().map(|m| view! {
                                <circle class=format!("meter {}", m.class) cx=n(m.x) cy=n(m.y) r=n(m.r) tabindex="0"
                                    aria-label=m.text.clone() data-testid="map-meter"
                                    on:mouseenter=hover(m.text.clone()) on:focus=focus(m.text.clone())>
                                    <title>{m.text.clone()}</title>
                                </circle>
                            }).collect_view()}
                        </svg>
                        <p class="hint" data-testid="map-summary">{d.summary}</p>
                        {(d.unplaced > 0).then(|| view! { <p class="hint">{format!("{} buses have no position and are not drawn.", d.unplaced)}</p> })}
                    }.into_any()
                }
            })}
            <p class="map-details" data-testid="map-details" aria-live="polite">
                {move || shown.with(|t| if t.is_empty() { "Point at or tab to a line, transformer or meter for its values.".to_string() } else { t.clone() })}
            </p>
            <Legend/>
        </section>
    }
}

#[component]
fn Legend() -> impl IntoView {
    let swatch = |class: &'static str, label: &'static str| view! { <li><span class=format!("swatch {class}") aria-hidden="true"></span>{label}</li> };
    view! {
        <div class="legend" data-testid="map-legend">
            <div><h3>"Lines and transformers: loading"</h3>
                <ul>{Loading::LEGEND.map(|(l, text)| swatch(l.class(), text)).to_vec()}</ul></div>
            <div><h3>"Buses: voltage"</h3>
                <ul>{Voltage::LEGEND.map(|(v, text)| swatch(v.class(), text)).to_vec()}</ul></div>
            <div><h3>"Meters: net production"</h3>
                <ul>{Net::LEGEND.map(|(n, text)| swatch(n.class(), text)).to_vec()}</ul></div>
        </div>
    }
}
