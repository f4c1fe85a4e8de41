//! A red-black tree threaded through the blocks of the slab: each block carries its own
//! `left`, `right` and `parent` links (u32 block indices, `NIL` for none), so a tree costs
//! no memory of its own and nothing ever moves. Inserting and removing relink nodes
//! (CLRS, with `NIL` for the sentinel, so `remove` tracks the fixup node's parent by hand);
//! a payload stays in its block for as long as it lives, which is what lets a block index
//! be a stable handle (a seat's index, a matching plan's steps).
//!
//! Every link read goes through `get`, so a corrupt index in the account is an error, never
//! an out-of-bounds access; descents are bounded by `MAX_DEPTH`, so a corrupt cycle is an
//! error too rather than a loop.
use core::cmp::Ordering;

use super::slab::{Block, NIL};
use super::EngineError;

const RED: u8 = 1;
const BLACK: u8 = 0;

/// A red-black tree of n nodes is at most 2·log2(n + 1) deep: 64 covers 2^32 blocks, twice.
const MAX_DEPTH: usize = 128;

/// Orders two blocks of the same tree (by payload).
pub type Compare = fn(&Block, &Block) -> Ordering;

fn get(blocks: &[Block], i: u32) -> Result<&Block, EngineError> {
    blocks.get(i as usize).ok_or(EngineError::CorruptBook)
}

fn get_mut(blocks: &mut [Block], i: u32) -> Result<&mut Block, EngineError> {
    blocks.get_mut(i as usize).ok_or(EngineError::CorruptBook)
}

fn left(b: &[Block], i: u32) -> Result<u32, EngineError> {
    Ok(get(b, i)?.left)
}

fn right(b: &[Block], i: u32) -> Result<u32, EngineError> {
    Ok(get(b, i)?.right)
}

fn parent(b: &[Block], i: u32) -> Result<u32, EngineError> {
    Ok(get(b, i)?.parent)
}

/// `NIL` is black.
fn color(b: &[Block], i: u32) -> Result<u8, EngineError> {
    if i == NIL {
        Ok(BLACK)
    } else {
        Ok(get(b, i)?.color)
    }
}

/// Painting `NIL` is a no-op (CLRS paints its sentinel).
fn paint(b: &mut [Block], i: u32, c: u8) -> Result<(), EngineError> {
    if i != NIL {
        get_mut(b, i)?.color = c;
    }
    Ok(())
}

fn set_parent(b: &mut [Block], i: u32, p: u32) -> Result<(), EngineError> {
    if i != NIL {
        get_mut(b, i)?.parent = p;
    }
    Ok(())
}

/// Leftmost node under `i` (the first in order), `NIL` for an empty subtree.
pub fn min_under(b: &[Block], mut i: u32) -> Result<u32, EngineError> {
    if i == NIL {
        return Ok(NIL);
    }
    for _ in 0..MAX_DEPTH {
        let l = left(b, i)?;
        if l == NIL {
            return Ok(i);
        }
        i = l;
    }
    Err(EngineError::CorruptBook)
}

/// Rightmost node under `i` (the last in order).
pub fn max_under(b: &[Block], mut i: u32) -> Result<u32, EngineError> {
    if i == NIL {
        return Ok(NIL);
    }
    for _ in 0..MAX_DEPTH {
        let r = right(b, i)?;
        if r == NIL {
            return Ok(i);
        }
        i = r;
    }
    Err(EngineError::CorruptBook)
}

/// In-order successor, `NIL` after the last. Amortized O(1) over a full walk.
pub fn next(b: &[Block], i: u32) -> Result<u32, EngineError> {
    let r = right(b, i)?;
    if r != NIL {
        return min_under(b, r);
    }
    let (mut child, mut p) = (i, parent(b, i)?);
    for _ in 0..MAX_DEPTH {
        if p == NIL || right(b, p)? != child {
            return Ok(p);
        }
        child = p;
        p = parent(b, p)?;
    }
    Err(EngineError::CorruptBook)
}

/// In-order predecessor, `NIL` before the first.
pub fn prev(b: &[Block], i: u32) -> Result<u32, EngineError> {
    let l = left(b, i)?;
    if l != NIL {
        return max_under(b, l);
    }
    let (mut child, mut p) = (i, parent(b, i)?);
    for _ in 0..MAX_DEPTH {
        if p == NIL || left(b, p)? != child {
            return Ok(p);
        }
        child = p;
        p = parent(b, p)?;
    }
    Err(EngineError::CorruptBook)
}

/// The node for which `probe` says `Equal`; `probe(node)` says where the sought key lies
/// relative to `node` (`Less`: to its left).
pub fn find(b: &[Block], root: u32, probe: impl Fn(&Block) -> Ordering) -> Result<u32, EngineError> {
    let mut i = root;
    for _ in 0..MAX_DEPTH {
        if i == NIL {
            return Ok(NIL);
        }
        i = match probe(get(b, i)?) {
            Ordering::Equal => return Ok(i),
            Ordering::Less => left(b, i)?,
            Ordering::Greater => right(b, i)?,
        };
    }
    Err(EngineError::CorruptBook)
}

fn replace_child(b: &mut [Block], root: &mut u32, p: u32, old: u32, new: u32) -> Result<(), EngineError> {
    if p == NIL {
        *root = new;
    } else if left(b, p)? == old {
        get_mut(b, p)?.left = new;
    } else {
        get_mut(b, p)?.right = new;
    }
    Ok(())
}

fn rotate_left(b: &mut [Block], root: &mut u32, x: u32) -> Result<(), EngineError> {
    let y = right(b, x)?;
    let y_left = left(b, y)?;
    get_mut(b, x)?.right = y_left;
    set_parent(b, y_left, x)?;
    let xp = parent(b, x)?;
    get_mut(b, y)?.parent = xp;
    replace_child(b, root, xp, x, y)?;
    get_mut(b, y)?.left = x;
    get_mut(b, x)?.parent = y;
    Ok(())
}

fn rotate_right(b: &mut [Block], root: &mut u32, x: u32) -> Result<(), EngineError> {
    let y = left(b, x)?;
    let y_right = right(b, y)?;
    get_mut(b, x)?.left = y_right;
    set_parent(b, y_right, x)?;
    let xp = parent(b, x)?;
    get_mut(b, y)?.parent = xp;
    replace_child(b, root, xp, x, y)?;
    get_mut(b, y)?.right = x;
    get_mut(b, x)?.parent = y;
    Ok(())
}

/// Links block `z` (its payload already written) into the tree. Equal keys go after the
/// existing ones; our keys are unique (order ids, trader keys) anyway.
pub fn insert(b: &mut [Block], root: &mut u32, z: u32, cmp: Compare) -> Result<(), EngineError> {
    let (mut y, mut x, mut go_left) = (NIL, *root, false);
    let mut depth = 0;
    while x != NIL {
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(EngineError::CorruptBook);
        }
        y = x;
        go_left = cmp(get(b, z)?, get(b, x)?) == Ordering::Less;
        x = if go_left { left(b, x)? } else { right(b, x)? };
    }
    {
        let n = get_mut(b, z)?;
        n.parent = y;
        n.left = NIL;
        n.right = NIL;
        n.color = RED;
    }
    if y == NIL {
        *root = z;
    } else if go_left {
        get_mut(b, y)?.left = z;
    } else {
        get_mut(b, y)?.right = z;
    }
    insert_fixup(b, root, z)
}

fn insert_fixup(b: &mut [Block], root: &mut u32, mut z: u32) -> Result<(), EngineError> {
    for _ in 0..MAX_DEPTH {
        let p = parent(b, z)?;
        if p == NIL || color(b, p)? == BLACK {
            break;
        }
        // A red parent is never the root, so the grandparent exists.
        let g = parent(b, p)?;
        if p == left(b, g)? {
            let u = right(b, g)?;
            if color(b, u)? == RED {
                paint(b, p, BLACK)?;
                paint(b, u, BLACK)?;
                paint(b, g, RED)?;
                z = g;
            } else {
                if z == right(b, p)? {
                    z = p;
                    rotate_left(b, root, z)?;
                }
                let p = parent(b, z)?;
                let g = parent(b, p)?;
                paint(b, p, BLACK)?;
                paint(b, g, RED)?;
                rotate_right(b, root, g)?;
            }
        } else {
            let u = left(b, g)?;
            if color(b, u)? == RED {
                paint(b, p, BLACK)?;
                paint(b, u, BLACK)?;
                paint(b, g, RED)?;
                z = g;
            } else {
                if z == left(b, p)? {
                    z = p;
                    rotate_right(b, root, z)?;
                }
                let p = parent(b, z)?;
                let g = parent(b, p)?;
                paint(b, p, BLACK)?;
                paint(b, g, RED)?;
                rotate_left(b, root, g)?;
            }
        }
    }
    paint(b, *root, BLACK)
}

/// Puts `v` where `u` hangs (u's parent adopts v).
fn transplant(b: &mut [Block], root: &mut u32, u: u32, v: u32) -> Result<(), EngineError> {
    let up = parent(b, u)?;
    replace_child(b, root, up, u, v)?;
    set_parent(b, v, up)
}

/// Unlinks block `z` from the tree; its payload is untouched and its links are reset.
pub fn remove(b: &mut [Block], root: &mut u32, z: u32) -> Result<(), EngineError> {
    let (zl, zr) = (left(b, z)?, right(b, z)?);
    let mut removed_color = color(b, z)?;
    let (x, xp);
    if zl == NIL {
        x = zr;
        xp = parent(b, z)?;
        transplant(b, root, z, zr)?;
    } else if zr == NIL {
        x = zl;
        xp = parent(b, z)?;
        transplant(b, root, z, zl)?;
    } else {
        let y = min_under(b, zr)?;
        removed_color = color(b, y)?;
        x = right(b, y)?;
        if parent(b, y)? == z {
            xp = y;
        } else {
            xp = parent(b, y)?;
            transplant(b, root, y, x)?;
            get_mut(b, y)?.right = zr;
            set_parent(b, zr, y)?;
        }
        transplant(b, root, z, y)?;
        get_mut(b, y)?.left = zl;
        set_parent(b, zl, y)?;
        let zc = color(b, z)?;
        paint(b, y, zc)?;
    }
    {
        let n = get_mut(b, z)?;
        n.left = NIL;
        n.right = NIL;
        n.parent = NIL;
        n.color = BLACK;
    }
    if removed_color == BLACK {
        remove_fixup(b, root, x, xp)?;
    }
    Ok(())
}

fn remove_fixup(b: &mut [Block], root: &mut u32, mut x: u32, mut xp: u32) -> Result<(), EngineError> {
    // Each round either finishes or moves x one level up.
    for _ in 0..MAX_DEPTH {
        if x == *root || color(b, x)? == RED || xp == NIL {
            break;
        }
        if x == left(b, xp)? {
            let mut w = right(b, xp)?;
            if color(b, w)? == RED {
                paint(b, w, BLACK)?;
                paint(b, xp, RED)?;
                rotate_left(b, root, xp)?;
                w = right(b, xp)?;
            }
            if color(b, left(b, w)?)? == BLACK && color(b, right(b, w)?)? == BLACK {
                paint(b, w, RED)?;
                x = xp;
                xp = parent(b, x)?;
            } else {
                if color(b, right(b, w)?)? == BLACK {
                    let wl = left(b, w)?;
                    paint(b, wl, BLACK)?;
                    paint(b, w, RED)?;
                    rotate_right(b, root, w)?;
                    w = right(b, xp)?;
                }
                let c = color(b, xp)?;
                paint(b, w, c)?;
                paint(b, xp, BLACK)?;
                let wr = right(b, w)?;
                paint(b, wr, BLACK)?;
                rotate_left(b, root, xp)?;
                x = *root;
                xp = NIL;
            }
        } else {
            let mut w = left(b, xp)?;
            if color(b, w)? == RED {
                paint(b, w, BLACK)?;
                paint(b, xp, RED)?;
                rotate_right(b, root, xp)?;
                w = left(b, xp)?;
            }
            if color(b, right(b, w)?)? == BLACK && color(b, left(b, w)?)? == BLACK {
                paint(b, w, RED)?;
                x = xp;
                xp = parent(b, x)?;
            } else {
                if color(b, left(b, w)?)? == BLACK {
                    let wr = right(b, w)?;
                    paint(b, wr, BLACK)?;
                    paint(b, w, RED)?;
                    rotate_left(b, root, w)?;
                    w = left(b, xp)?;
                }
                let c = color(b, xp)?;
                paint(b, w, c)?;
                paint(b, xp, BLACK)?;
                let wl = left(b, w)?;
                paint(b, wl, BLACK)?;
                rotate_right(b, root, xp)?;
                x = *root;
                xp = NIL;
            }
        }
    }
    paint(b, x, BLACK)
}

/// Checks the red-black invariants of the tree at `root` and returns its size: parent
/// links agree, keys strictly increase in order, the root is black, no red node has a red
/// child, every path has the same number of black nodes. For tests and audits.
pub fn check(b: &[Block], root: u32, cmp: Compare) -> Result<usize, &'static str> {
    fn walk(
        b: &[Block],
        i: u32,
        parent: u32,
        cmp: Compare,
        count: &mut usize,
    ) -> Result<usize, &'static str> {
        if i == NIL {
            return Ok(1);
        }
        let n = b.get(i as usize).ok_or("index out of bounds")?;
        if n.parent != parent {
            return Err("parent link disagrees");
        }
        *count += 1;
        if *count > b.len() {
            return Err("cycle");
        }
        if n.color == RED && (color(b, n.left) != Ok(BLACK) || color(b, n.right) != Ok(BLACK)) {
            return Err("red node with a red child");
        }
        for (child, want) in [(n.left, Ordering::Less), (n.right, Ordering::Greater)] {
            if let Some(c) = b.get(child as usize) {
                if cmp(c, n) != want {
                    return Err("keys out of order");
                }
            }
        }
        let lh = walk(b, n.left, i, cmp, count)?;
        let rh = walk(b, n.right, i, cmp, count)?;
        if lh != rh {
            return Err("black heights differ");
        }
        Ok(lh + usize::from(n.color == BLACK))
    }
    if color(b, root) != Ok(BLACK) {
        return Err("red root");
    }
    let mut count = 0;
    walk(b, root, NIL, cmp, &mut count)?;
    // Order over the whole tree (children checks alone only order neighbours).
    let mut i = min_under(b, root).map_err(|_| "corrupt")?;
    let mut seen = 0;
    while i != NIL {
        seen += 1;
        let j = next(b, i).map_err(|_| "corrupt")?;
        if j != NIL && cmp(&b[j as usize], &b[i as usize]) != Ordering::Greater {
            return Err("in-order walk not increasing");
        }
        i = j;
    }
    if seen != count {
        return Err("walk and size disagree");
    }
    Ok(count)
}
