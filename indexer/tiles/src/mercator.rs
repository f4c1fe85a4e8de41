//! Web-Mercator tiling (EPSG:3857, the XYZ scheme every slippy map uses: tile 0/0/0 is the
//! world, y grows southwards): a tile address, WGS84 → tile coordinates, and clipping to
//! the tile plus its buffer.
use super::mvt::{BUFFER, EXTENT};

/// Deepest zoom served: 2^22 tiles a side is ~10 m per tile at the equator, well below a
/// street cabinet's spacing.
pub const MAX_ZOOM: u8 = 22;
/// Web Mercator's latitude limit (the world is square).
const MAX_LAT: f64 = 85.051_128_779_806_59;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// Parses a request's z, x and y (y may end in `.mvt`), refusing what names no tile.
    pub fn parse(z: &str, x: &str, y: &str) -> Result<TileId, String> {
        let y = y.strip_suffix(".mvt").ok_or_else(|| format!("the tile must end in .mvt, got {y:?}"))?;
        let z: u8 = z
            .parse()
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or_else(|| format!("z must be an integer from 0 to {MAX_ZOOM}, got {z:?}"))?;
        let side = 1u64 << z;
        let coordinate = |name: &str, v: &str| {
            v.parse::<u64>().ok().filter(|v| *v < side).map(|v| v as u32).ok_or_else(|| {
                format!("{name} must be an integer from 0 to {} at zoom {z}, got {v:?}", side - 1)
            })
        };
        Ok(TileId { z, x: coordinate("x", x)?, y: coordinate("y", y)? })
    }

    /// A WGS84 position in this tile's coordinates (0..EXTENT inside the tile).
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let n = (1u64 << self.z) as f64;
        let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
        let wx = (lon + 180.0) / 360.0 * n;
        let wy = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
        let e = f64::from(EXTENT);
        ((wx - f64::from(self.x)) * e, (wy - f64::from(self.y)) * e)
    }
}

const LO: f64 = -BUFFER as f64;
const HI: f64 = EXTENT as f64 + BUFFER as f64;

/// A point in the buffered tile, rounded to the integer grid; `None` outside it.
pub fn clip_point((x, y): (f64, f64)) -> Option<(i32, i32)> {
    ((LO..=HI).contains(&x) && (LO..=HI).contains(&y)).then(|| (x.round() as i32, y.round() as i32))
}

/// The part of segment a–b inside the buffered tile (Liang–Barsky), rounded; `None` when it
/// misses the tile. A grid line is one straight segment between two buses.
pub fn clip_segment(a: (f64, f64), b: (f64, f64)) -> Option<[(i32, i32); 2]> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0 - LO), (dx, HI - a.0), (-dy, a.1 - LO), (dy, HI - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None; // parallel to this edge and outside it
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| ((a.0 + t * dx).round() as i32, (a.1 + t * dy).round() as i32);
    Some([at(t0), at(t1)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!(TileId::parse("3", "7", "0.mvt"), Ok(TileId { z: 3, x: 7, y: 0 }));
        assert!(TileId::parse("3", "8", "0.mvt").unwrap_err().contains("x must be"));
        assert!(TileId::parse("23", "0", "0.mvt").unwrap_err().contains("z must be"));
        assert!(TileId::parse("1", "0", "-1.mvt").is_err());
        assert!(TileId::parse("1", "0", "0.png").unwrap_err().contains(".mvt"));
        assert!(TileId::parse("a", "0", "0.mvt").is_err());
    }

    #[test]
    fn projects_the_world_tile() {
        let t = TileId { z: 0, x: 0, y: 0 };
        let (x, y) = t.project(0.0, 0.0);
        assert!((x - 2048.0).abs() < 1e-9 && (y - 2048.0).abs() < 1e-9);
        let (x, y) = t.project(-180.0, MAX_LAT);
        assert!(x.abs() < 1e-9 && y.abs() < 1e-6);
    }

    #[test]
    fn clips_segments() {
        assert_eq!(clip_segment((10.0, 10.0), (20.0, 30.0)), Some([(10, 10), (20, 30)]));
        assert_eq!(clip_segment((-1000.0, 100.0), (100.0, 100.0)), Some([(-64, 100), (100, 100)]));
        assert_eq!(clip_segment((-1000.0, -1000.0), (-900.0, 5000.0)), None);
        assert_eq!(clip_point((5000.0, 0.0)), None);
    }
}
