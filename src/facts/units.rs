//! Part of the facts stage: the assessed units' names and positions, found by a fast hash, each
//! name held once (a province's 200,000 units are looked up once a row).

use hashbrown::HashTable;
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Unit names in order, and where each is.
#[derive(Debug, Default, Clone)]
pub struct UnitIndex {
    names: Vec<String>,
    table: HashTable<Slot>,
}

/// A name's place in the table: its first 8 bytes and length are kept beside its position,
/// so that a short name (a staff number) is matched without reading the name itself.
#[derive(Debug, Clone, Copy)]
struct Slot {
    prefix: u64,
    len: u32,
    index: u32,
}

fn prefix(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (b, n) in bytes.iter_mut().zip(name.as_bytes()) {
        *b = *n;
    }
    u64::from_le_bytes(bytes)
}

fn hash(name: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

impl UnitIndex {
    /// The names, each once (a repeat keeps its first place).
    pub fn new(names: &[String]) -> UnitIndex {
        let mut index = UnitIndex {
            names: Vec::with_capacity(names.len()),
            table: HashTable::with_capacity(names.len()),
        };
        for n in names {
            index.insert(n);
        }
        index
    }

    /// The position of `name`.
    pub fn get(&self, name: &str) -> Option<usize> {
        let (p, len) = (prefix(name), name.len());
        let names = &self.names;
        self.table
            .find(hash(name), |s| {
                s.prefix == p
                    && s.len as usize == len
                    && (len <= 8 || names.get(s.index as usize).is_some_and(|n| n == name))
            })
            .map(|s| s.index as usize)
    }

    /// The position of `name`, added at the end if new; `None` past 4 billion units.
    pub fn insert(&mut self, name: &str) -> Option<usize> {
        if let Some(i) = self.get(name) {
            return Some(i);
        }
        let index = u32::try_from(self.names.len()).ok()?;
        let len = u32::try_from(name.len()).ok()?;
        self.names.push(name.to_string());
        let names = &self.names;
        let slot = Slot {
            prefix: prefix(name),
            len,
            index,
        };
        self.table.insert_unique(hash(name), slot, |s| {
            names.get(s.index as usize).map_or(0, |n| hash(n))
        });
        Some(index as usize)
    }

    /// How many units.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The names, given back.
    pub fn into_names(self) -> Vec<String> {
        self.names
    }
}
