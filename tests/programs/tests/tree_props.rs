//! The red-black tree over the slab (`market::engine::tree`) against `BTreeMap`: random
//! inserts and removes keep the same keys in the same order, and every red-black invariant
//! holds after every operation.
use std::collections::BTreeMap;

use bytemuck::Zeroable;
use market::engine::slab::KIND_ASK;
use market::engine::{compare_for, tree, Block, NIL};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// Insert an order at this price (ids make keys unique).
    Insert(u8),
    /// Remove the n-th key (mod the size).
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![3 => any::<u8>().prop_map(Op::Insert), 2 => any::<usize>().prop_map(Op::Remove)]
}

fn run(ops: Vec<Op>) {
    let cmp = compare_for(KIND_ASK);
    let mut blocks: Vec<Block> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    let mut root = NIL;
    let mut model: BTreeMap<(u64, u64), u32> = BTreeMap::new();
    let mut next_id = 0u64;
    for op in ops {
        match op {
            Op::Insert(price) => {
                next_id += 1;
                let i = free.pop().unwrap_or_else(|| {
                    blocks.push(Block::zeroed());
                    blocks.len() as u32 - 1
                });
                let mut b = Block::zeroed();
                b.kind = KIND_ASK;
                b.order_mut().price_ticks = u64::from(price);
                b.order_mut().order_id = next_id;
                blocks[i as usize] = b;
                tree::insert(&mut blocks, &mut root, i, cmp).unwrap();
                model.insert((u64::from(price), next_id), i);
            }
            Op::Remove(n) => {
                if model.is_empty() {
                    continue;
                }
                let key = *model.keys().nth(n % model.len()).unwrap();
                let i = model.remove(&key).unwrap();
                tree::remove(&mut blocks, &mut root, i).unwrap();
                free.push(i);
            }
        }
        assert_eq!(tree::check(&blocks, root, cmp), Ok(model.len()));
        // In-order walk = the model's order; backwards too.
        let mut walk = Vec::new();
        let mut i = tree::min_under(&blocks, root).unwrap();
        while i != NIL {
            walk.push(i);
            i = tree::next(&blocks, i).unwrap();
        }
        assert_eq!(walk, model.values().copied().collect::<Vec<_>>());
        let mut back = Vec::new();
        let mut i = tree::max_under(&blocks, root).unwrap();
        while i != NIL {
            back.push(i);
            i = tree::prev(&blocks, i).unwrap();
        }
        back.reverse();
        assert_eq!(back, walk);
        // Every key is found by descent.
        for (&(price, id), &i) in &model {
            let found =
                tree::find(&blocks, root, |b| (price, id).cmp(&(b.order().price_ticks, b.order().order_id)));
            assert_eq!(found, Ok(i));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_tree_matches_a_btreemap(ops in prop::collection::vec(op(), 1..300)) {
        run(ops);
    }
}

/// Ascending and descending runs, the classic rebalancing workouts, at a depth where an
/// unbalanced tree would be obvious.
#[test]
fn sorted_inserts_stay_balanced() {
    let mut ops: Vec<Op> = (0..=255u8).map(Op::Insert).collect();
    ops.extend((0..=255u8).rev().map(Op::Insert));
    ops.extend((0..400).map(|_| Op::Remove(0)));
    run(ops);
}

/// A corrupt link is an error, never a panic or an out-of-bounds read.
#[test]
fn corrupt_links_are_errors() {
    let cmp = compare_for(KIND_ASK);
    let mut blocks = vec![Block::zeroed(); 3];
    let mut root = NIL;
    for i in 0..3u32 {
        blocks[i as usize].kind = KIND_ASK;
        blocks[i as usize].order_mut().order_id = u64::from(i);
        tree::insert(&mut blocks, &mut root, i, cmp).unwrap();
    }
    blocks[root as usize].left = 1_000;
    assert!(tree::min_under(&blocks, root).is_err());
    assert!(tree::check(&blocks, root, cmp).is_err());
    let mut root2 = 7;
    assert!(tree::insert(&mut blocks, &mut root2, 2, cmp).is_err());
}
