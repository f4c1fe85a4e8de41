//! The grid map: the feeder drawn from our own data as SVG (no tile service), live from the
//! indexer's `grid` channel — lines and transformers coloured by loading, buses by voltage,
//! meters by net production — with a legend, a summary in words, and each element's
//! values on hover, keyboard focus or touch (`app_logic::grid_map` decides what and how).
use gridtokenx_app_logic::grid_map::{self, GridMapState, Loading, Net, Voltage};
use leptos::prelude::*;

use crate::live;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 420.0;

#[component]
pub fn MapView() -> impl IntoView {
    let state = RwSignal::new(GridMapState::default());
    live::follow_into("grid", state, GridMapState::apply_frame);
    // The values of the element pointed at or focused, read out politely.
    let shown = RwSignal::new(String::new());
    // One listener on the drawing for all its elements: each carries its values as a title.
    let tell = move |target: Option<web_sys::EventTarget>| {
        use wasm_bindgen::JsCast;
        let element = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if let Some(text) = element
            .and_then(|e| e.get_attribute("aria-label").or_else(|| e.text_content()))
            .filter(|t| !t.is_empty())
        {
            if !text.starts_with("Feeder ") {
                shown.set(text);
            }
        }
    };
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
                            aria-label=d.summary.clone() inner_html=grid_map::svg_markup(&d)
                            on:mouseover=move |e| tell(e.target()) on:focusin=move |e| tell(e.target())>
                        </svg>
                        <p class="map-summary" data-testid="map-summary">{d.summary}</p>
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
