//! Building one MVT layer (spec 2.1, section 4): features with their geometry commands and
//! properties interned in the layer's `keys`/`values` tables.
use std::collections::HashMap;

use super::vector_tile::{Feature, GeomType, Layer, Value};

/// Tile coordinates per side; 4096 is the spec's default and what every client expects.
pub const EXTENT: u32 = 4096;
/// Geometry kept beyond the tile's edge (in extent units, 1/64 of the tile), so that lines
/// and symbols crossing an edge join up with the neighbouring tile's.
pub const BUFFER: i32 = 64;

/// A property value, borrowed from the feeder being drawn (a tile interns thousands of ids
/// and names: copying each only when it is new to the layer keeps drawing allocation-light).
/// `None` values are left out (MVT has no null).
#[derive(Clone, Copy, Debug)]
pub enum Prop<'a> {
    Str(&'a str),
    Num(f64),
    Int(i64),
    Bool(bool),
}

/// What makes two non-string values the same entry of the values table (floats by their bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey {
    Num(u64),
    Int(i64),
    Bool(bool),
}

pub struct LayerBuilder {
    layer: Layer,
    keys: HashMap<String, u32>,
    // Strings apart, so that a lookup by `&str` needs no owned key.
    strings: HashMap<String, u32>,
    values: HashMap<ValueKey, u32>,
}

impl LayerBuilder {
    pub fn new(name: &str) -> LayerBuilder {
        let layer = Layer { version: 2, name: name.into(), extent: Some(EXTENT), ..Default::default() };
        LayerBuilder { layer, keys: HashMap::new(), strings: HashMap::new(), values: HashMap::new() }
    }

    pub fn point(&mut self, id: u64, (x, y): (i32, i32), props: &[(&str, Option<Prop>)]) {
        let geometry = vec![command(1, 1), zigzag(x), zigzag(y)];
        self.push(id, GeomType::Point, geometry, props);
    }

    /// A line through `points` (tile coordinates); repeated points are dropped (a LineTo of
    /// length zero is not allowed) and a line that shrinks to one point is not drawn.
    pub fn line(&mut self, id: u64, points: &[(i32, i32)], props: &[(&str, Option<Prop>)]) {
        let mut points = points.to_vec();
        points.dedup();
        if points.len() < 2 {
            return;
        }
        let mut geometry = vec![command(1, 1), zigzag(points[0].0), zigzag(points[0].1)];
        geometry.push(command(2, points.len() as u32 - 1));
        for pair in points.windows(2) {
            geometry.push(zigzag(pair[1].0 - pair[0].0));
            geometry.push(zigzag(pair[1].1 - pair[0].1));
        }
        self.push(id, GeomType::Linestring, geometry, props);
    }

    fn push(&mut self, id: u64, kind: GeomType, geometry: Vec<u32>, props: &[(&str, Option<Prop>)]) {
        let mut tags = Vec::with_capacity(props.len() * 2);
        for (key, value) in props {
            let Some(value) = value else { continue };
            // A NaN or infinity is no number a client can style by: leave it out.
            if matches!(value, Prop::Num(n) if !n.is_finite()) {
                continue;
            }
            tags.push(self.key(key));
            tags.push(self.value(value));
        }
        self.layer.features.push(Feature { id: Some(id), tags, r#type: Some(kind as i32), geometry });
    }

    fn key(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.keys.get(key) {
            return i;
        }
        let i = self.layer.keys.len() as u32;
        self.layer.keys.push(key.to_string());
        self.keys.insert(key.to_string(), i);
        i
    }

    fn value(&mut self, value: &Prop) -> u32 {
        let i = self.layer.values.len() as u32;
        let (key, encoded) = match *value {
            Prop::Str(s) => {
                if let Some(&i) = self.strings.get(s) {
                    return i;
                }
                self.strings.insert(s.to_string(), i);
                self.layer.values.push(Value { string_value: Some(s.to_string()), ..Default::default() });
                return i;
            }
            Prop::Num(n) => {
                (ValueKey::Num(n.to_bits()), Value { double_value: Some(n), ..Default::default() })
            }
            Prop::Int(n) => (ValueKey::Int(n), Value { sint_value: Some(n), ..Default::default() }),
            Prop::Bool(b) => (ValueKey::Bool(b), Value { bool_value: Some(b), ..Default::default() }),
        };
        if let Some(&i) = self.values.get(&key) {
            return i;
        }
        self.layer.values.push(encoded);
        self.values.insert(key, i);
        i
    }

    /// The layer, or nothing when no feature fell in the tile (empty layers are left out).
    pub fn finish(self) -> Option<Layer> {
        (!self.layer.features.is_empty()).then_some(self.layer)
    }
}

/// A command integer: id in the low 3 bits, repeat count above (spec 4.3.1).
fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}
