//! The feeder flags `run` and `serve` share: which feeder the meters hang on and the limits
//! its events watch.
use crate::feeder::FeederSource;
use crate::fleet::Fleet;

#[derive(clap::Args, Clone, Debug)]
pub struct FeederArgs {
    /// The feeder the meters hang on: `generated` (sized by --meters; the default),
    /// `cigre-lv` (the CIGRE European LV benchmark), a feeder JSON file (docs/grid.md), or
    /// `none` (no power flow). A resumed run keeps the feeder it was simulated on.
    #[arg(long)]
    pub feeder: Option<String>,
    /// Voltage band outside which a bus raises an event, ± fraction of nominal (EN 50160: 0.10).
    #[arg(long, default_value_t = 0.10)]
    pub voltage_band: f64,
    /// Loading (% of rating) above which a line or transformer raises an event.
    #[arg(long, default_value_t = 100.0)]
    pub max_loading: f64,
}

impl Default for FeederArgs {
    fn default() -> Self {
        FeederArgs { feeder: None, voltage_band: 0.10, max_loading: 100.0 }
    }
}

impl FeederArgs {
    /// The limits the events are raised against, checked.
    pub fn limits(&self) -> Result<grid::Limits, String> {
        if !(self.voltage_band.is_finite() && self.voltage_band > 0.0 && self.voltage_band < 1.0) {
            return Err(format!(
                "--voltage-band {}: expected a fraction in (0, 1), e.g. 0.10 for ±10 %",
                self.voltage_band
            ));
        }
        if !(self.max_loading.is_finite() && self.max_loading > 0.0) {
            return Err(format!(
                "--max-loading {}: expected a positive percentage, e.g. 100",
                self.max_loading
            ));
        }
        Ok(grid::Limits { max_loading_percent: self.max_loading, ..grid::Limits::band(self.voltage_band) })
    }

    /// Refuses bad limits or a bad feeder file before anything else starts (before meters
    /// are registered on a chain, say).
    pub fn check(&self) -> Result<(), String> {
        self.limits()?;
        match self.feeder.as_deref() {
            None | Some("none" | "generated" | "cigre-lv") => Ok(()),
            Some(file) => FeederSource::from_arg(file)?.load(1, grid::DEFAULT_ANCHOR).map(drop),
        }
    }

    /// Hangs `fleet` on its feeder: the one a resumed fleet recorded (another `--feeder` is
    /// refused, as its meters' buses belong to that one), else `--feeder`, else `generated`.
    pub fn attach(&self, fleet: &mut Fleet) -> Result<(), String> {
        let limits = self.limits()?;
        let chosen = match (fleet.config.feeder.as_deref(), self.feeder.as_deref()) {
            (Some(saved), Some(asked)) if saved != asked && !same_file(saved, asked) => {
                return Err(format!(
                    "the saved run hangs its meters on feeder {saved:?}, not {asked:?}: drop --feeder, or use another --state"
                ))
            }
            (Some(saved), _) => saved.to_string(),
            (None, asked) => asked.unwrap_or("generated").to_string(),
        };
        if chosen == "none" {
            fleet.config.feeder = Some(chosen);
            return Ok(());
        }
        fleet.attach_feeder(FeederSource::from_arg(&chosen)?, limits)
    }
}

/// Whether two `--feeder` spellings name the same file (a relative and an absolute path).
fn same_file(a: &str, b: &str) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}
