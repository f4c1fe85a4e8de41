//! Sun elevation and clear-sky irradiance from latitude, day of year and solar time.
use super::Instant;

/// Sun elevation above the horizon in degrees (negative at night). Cooper's declination
/// and the hour-angle formula: accurate to about a degree, plenty for load profiles.
pub fn elevation_deg(at: &Instant) -> f64 {
    let declination = 23.44_f64.to_radians()
        * (2.0 * std::f64::consts::PI * (284.0 + at.day_of_year() as f64) / 365.0).sin();
    let hour_angle = (15.0 * (at.solar_hour() - 12.0)).to_radians();
    let lat = at.latitude_deg.to_radians();
    let sin_elevation = lat.sin() * declination.sin() + lat.cos() * declination.cos() * hour_angle.cos();
    sin_elevation.clamp(-1.0, 1.0).asin().to_degrees()
}

/// Global horizontal irradiance under a clear sky, W/m² (a Haurwitz-style model).
pub fn clear_sky_irradiance_w_m2(at: &Instant) -> f64 {
    let sin_elevation = elevation_deg(at).to_radians().sin();
    if sin_elevation <= 0.0 {
        return 0.0;
    }
    1_098.0 * sin_elevation * (-0.057 / sin_elevation).exp()
}
