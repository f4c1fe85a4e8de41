//! Household consumption: a daily load shape with morning and evening peaks, plus noise.
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Hourly multipliers of the mean load (a typical residential profile); they average 1.
const SHAPE: [f64; 24] = [
    0.55, 0.5, 0.48, 0.47, 0.5, 0.65, 1.0, 1.35, 1.3, 1.0, 0.9, 0.88, //
    0.9, 0.85, 0.82, 0.88, 1.05, 1.45, 1.8, 1.85, 1.65, 1.35, 1.0, 0.72,
];

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub daily_wh: f64,
    /// Relative noise per step, e.g. 0.15 for ±15 %.
    pub noise: f64,
}

impl Household {
    /// Demand at `solar_hour`, interpolated between hourly shape points.
    pub fn demand_w(&self, solar_hour: f64, rng: &mut impl Rng) -> f64 {
        let h = solar_hour.rem_euclid(24.0);
        let (i, frac) = (h.floor() as usize % 24, h.fract());
        let shape = SHAPE[i] * (1.0 - frac) + SHAPE[(i + 1) % 24] * frac;
        let noise = 1.0 + self.noise * (2.0 * rng.random::<f64>() - 1.0);
        (self.daily_wh / 24.0 * shape * noise).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shape_averages_one() {
        let mean: f64 = super::SHAPE.iter().sum::<f64>() / 24.0;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
    }
}
