//! Weather as a seeded Markov chain over four states, re-drawn every hour.
use rand::Rng;

/// Defined with the telemetry schema (one source of truth for its wire names); the
/// simulation's behaviour is added here by [`WeatherModel`].
pub use gridtokenx_telemetry::Weather;

/// The weather model's side of [`Weather`] (a trait: the type lives in the schema crate).
pub trait WeatherModel {
    fn clearness(self) -> f64;
    fn next(self, rng: &mut impl Rng) -> Weather;
}

impl WeatherModel for Weather {
    /// Share of clear-sky irradiance that reaches the panels (mean for the state).
    fn clearness(self) -> f64 {
        match self {
            Weather::Clear => 1.0,
            Weather::PartlyCloudy => 0.65,
            Weather::Overcast => 0.3,
            Weather::Rain => 0.15,
        }
    }

    /// Next hour's weather: mostly persistent, drifting to neighbouring states.
    fn next(self, rng: &mut impl Rng) -> Weather {
        // Rows: from; columns: to (Clear, PartlyCloudy, Overcast, Rain).
        let row: [f64; 4] = match self {
            Weather::Clear => [0.85, 0.12, 0.03, 0.0],
            Weather::PartlyCloudy => [0.15, 0.7, 0.12, 0.03],
            Weather::Overcast => [0.03, 0.15, 0.7, 0.12],
            Weather::Rain => [0.0, 0.05, 0.3, 0.65],
        };
        let mut draw: f64 = rng.random();
        for (state, p) in Weather::ALL.into_iter().zip(row) {
            if draw < p {
                return state;
            }
            draw -= p;
        }
        self
    }
}
