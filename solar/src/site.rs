//! Where the panels are: coordinates, altitude and the air's turbidity over the year.

/// A location. Altitude sets the air pressure (refraction, absolute air mass, Ineichen's
/// altitude terms); the Linke turbidity sets how much the clear sky attenuates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Site {
    pub latitude_deg: f64,
    /// East positive.
    pub longitude_deg: f64,
    pub altitude_m: f64,
    /// Linke turbidity per calendar month (January first), used for the whole month.
    /// A fixed table, not pvlib's interpolated lookup: no data files and no network at run
    /// time, and the validation hands pvlib exactly the same values.
    pub linke_turbidity: [f64; 12],
}

/// Monthly Linke turbidity of the SoDa/Meteotest climatology (the table pvlib ships,
/// `lookup_linke_turbidity(..., interp_turbidity=False)` at mid-month, pvlib 0.16.1) at
/// Stockholm (59.33 N, 18.07 E): clean northern air, hazier in summer.
pub const LINKE_STOCKHOLM: [f64; 12] = [2.5, 2.1, 2.45, 3.1, 3.3, 3.45, 3.6, 3.7, 3.25, 2.8, 2.0, 2.15];
/// The same climatology at Bangkok (13.76 N, 100.50 E): humid, hazy tropical air.
pub const LINKE_BANGKOK: [f64; 12] = [3.55, 3.75, 4.3, 4.75, 4.95, 5.15, 5.1, 5.3, 4.95, 4.55, 4.0, 3.75];

impl Site {
    pub const fn new(
        latitude_deg: f64,
        longitude_deg: f64,
        altitude_m: f64,
        linke_turbidity: [f64; 12],
    ) -> Self {
        Site { latitude_deg, longitude_deg, altitude_m, linke_turbidity }
    }

    /// A site with a turbidity table chosen by climate: the tropical (Bangkok) table
    /// within the tropics, else the northern (Stockholm) one. Rough, but the simulator is
    /// given only coordinates; set `linke_turbidity` for a better local value.
    pub fn at(latitude_deg: f64, longitude_deg: f64) -> Self {
        let tl = if latitude_deg.abs() <= 23.44 { LINKE_BANGKOK } else { LINKE_STOCKHOLM };
        Site::new(latitude_deg, longitude_deg, 0.0, tl)
    }

    /// Air pressure in Pa from altitude (pvlib's `alt2pres`, the standard atmosphere).
    pub fn pressure_pa(&self) -> f64 {
        100.0 * ((44_331.514 - self.altitude_m) / 11_880.516).powf(1.0 / 0.190_263_2)
    }

    pub fn linke_turbidity_at(&self, unix_s: i64) -> f64 {
        self.linke_turbidity[(crate::month(unix_s) - 1) as usize]
    }
}
