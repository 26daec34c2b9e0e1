//! Part of the facts stage: the assessed units' names and positions, found by a fast hash, each
//! name held once (a province's 200,000 units are looked up once a row).
//!
//! An open-addressing table of its own (linear probing, at most half full): one slot a name,
//! holding the name's first 8 bytes and length beside its position, so that a short name (a
//! staff number) is matched within the one cache line its slot is on, and so that a batch of
//! rows can have their slots asked for ([`UnitIndex::ahead`]) a batch before they are looked up.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Unit names in order, and where each is.
#[derive(Debug, Default, Clone)]
pub struct UnitIndex {
    names: Vec<String>,
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    prefix: u64,
    len: u32,
    /// The name's position; `EMPTY` for a free slot.
    index: u32,
}

const EMPTY: u32 = u32::MAX;

/// How many names ahead a table being filled asks for a slot.
const AHEAD: usize = 64;

impl Slot {
    /// The slot of `name`, at position `index`.
    fn of(name: &str, index: u32) -> Slot {
        Slot {
            prefix: prefix(name),
            len: u32::try_from(name.len()).unwrap_or(u32::MAX),
            index,
        }
    }
}

const FREE: Slot = Slot {
    prefix: 0,
    len: 0,
    index: EMPTY,
};

/// A name's hash (FxHash: our own keys, no attacker to guard against), its bits mixed once
/// more (murmur3's finaliser), because the table takes a hash's high bits and names such as
/// staff numbers differ only in their last bytes.
pub fn hash(name: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(name.as_bytes());
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// A name's first 8 bytes as a number (zeros after a shorter name): with its length, enough to
/// tell names of at most 8 bytes apart. Its bytes swapped, it orders names as they sort.
pub(crate) fn prefix(name: &str) -> u64 {
    prefix_of(name.as_bytes())
}

/// [`prefix`] of a name's bytes.
pub(crate) fn prefix_of(bytes: &[u8]) -> u64 {
    if let Some(head) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*head);
    }
    // Loaded, not copied: a copy of up to 8 bytes compiles to a call of `memcpy`, which cost
    // more than the lookup itself (twice a row or more: the unit, the fact, a set's value).
    // From 4 bytes, the first 4 and the last 4, which overlap on equal bytes.
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let shift = 8 * (bytes.len() - 4);
        return u64::from(u32::from_le_bytes(*first))
            | u64::from(u32::from_le_bytes(*last)) << shift;
    }
    shifted_in(bytes)
}

/// Up to 8 bytes as a little-endian number, zeros after them: shifted in one by one, not
/// copied (a copy of a variable length compiles to a call of `memcpy`).
pub(super) fn shifted_in(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .enumerate()
        .fold(0, |x, (i, &b)| x | u64::from(b) << (8 * i))
}

/// Where `name` is among the `slots` of the table of `names`, from its home slot `at`: `Ok` with
/// its position, or `Err` with the free slot where it would go; `None` only without slots.
fn probe(
    names: &[String],
    slots: &[Slot],
    mut at: usize,
    name: &str,
) -> Option<Result<usize, usize>> {
    let (p, len) = (prefix(name), name.len());
    let mask = slots.len().checked_sub(1)?;
    loop {
        let s = slots.get(at)?;
        if s.index == EMPTY {
            return Some(Err(at));
        }
        if s.prefix == p
            && s.len as usize == len
            && (len <= 8 || names.get(s.index as usize).is_some_and(|n| n == name))
        {
            return Some(Ok(s.index as usize));
        }
        at = (at + 1) & mask;
    }
}

impl UnitIndex {
    /// The names, each once (a repeat keeps its first place).
    pub fn new(names: &[String]) -> UnitIndex {
        let mut index = UnitIndex {
            names: Vec::with_capacity(names.len()),
            slots: vec![FREE; (names.len() * 2).next_power_of_two().max(16)],
        };
        let hashes: Vec<u64> = names.iter().map(|n| hash(n)).collect();
        for (i, (n, h)) in names.iter().zip(&hashes).enumerate() {
            index.ahead_of(&hashes, i);
            index.insert_hashed(n, *h);
        }
        index
    }

    /// Where a hash starts probing.
    fn home(&self, h: u64) -> usize {
        // The high bits: FxHash's low bits are its weakest.
        let bits = self.slots.len().trailing_zeros();
        if bits == 0 {
            return 0;
        }
        (h >> (64 - bits)) as usize
    }

    /// Asks for the slot a name of hash `h` starts at, so that looking it up a batch of rows
    /// later finds it in the cache.
    pub fn ahead(&self, h: u64) {
        if let Some(slot) = self.slots.get(self.home(h)) {
            super::ahead::ahead(slot);
        }
    }

    /// While the names of `hashes` are put in the table one after another, asks for the home
    /// slot of the one [`AHEAD`] places after the `i`th, so that it has come when that one is
    /// put in (a province's 200,000 units spread over 8 MB of slots).
    fn ahead_of(&self, hashes: &[u64], i: usize) {
        if let Some(h) = hashes.get(i + AHEAD) {
            self.ahead(*h);
        }
    }

    /// The position of `name`.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.get_hashed(name, hash(name))
    }

    /// The position of `name`, whose hash is `h`.
    pub fn get_hashed(&self, name: &str, h: u64) -> Option<usize> {
        self.probe(name, h)?.ok()
    }

    /// Where `name` (of hash `h`) is: `Ok` with its position, or `Err` with the free slot where
    /// it would go; `None` only for a table without slots.
    fn probe(&self, name: &str, h: u64) -> Option<Result<usize, usize>> {
        probe(&self.names, &self.slots, self.home(h), name)
    }

    /// The index of `names`, taken as they are, without a copy of each; `Err` gives them back
    /// when a name is listed twice (whose later places the index would not hold).
    pub fn from_names(names: Vec<String>) -> Result<UnitIndex, Vec<String>> {
        let mut index = UnitIndex {
            names: Vec::new(),
            slots: vec![FREE; (names.len() * 2).next_power_of_two().max(16)],
        };
        let hashes: Vec<u64> = names.iter().map(|n| hash(n)).collect();
        for (i, (n, h)) in names.iter().zip(&hashes).enumerate() {
            index.ahead_of(&hashes, i);
            let place = u32::try_from(i).ok().filter(|&i| i != EMPTY);
            let free = match probe(&names, &index.slots, index.home(*h), n) {
                Some(Err(free)) => free,
                _ => return Err(names),
            };
            match (place, index.slots.get_mut(free)) {
                (Some(place), Some(slot)) => *slot = Slot::of(n, place),
                _ => return Err(names),
            }
        }
        index.names = names;
        Ok(index)
    }

    /// The position of `name`, added at the end if new; `None` past 4 billion units.
    pub fn insert(&mut self, name: &str) -> Option<usize> {
        if (self.names.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.insert_hashed(name, hash(name))
    }

    /// [`UnitIndex::insert`] of a name of hash `h`, with room for it: found or placed in one probe.
    fn insert_hashed(&mut self, name: &str, h: u64) -> Option<usize> {
        let at = match self.probe(name, h)? {
            Ok(found) => return Some(found),
            Err(free) => free,
        };
        let index = u32::try_from(self.names.len())
            .ok()
            .filter(|&i| i != EMPTY)?;
        if (self.names.len() + 1) * 2 > self.slots.len() {
            // Never with the room `new` and `insert` make; kept so that the table never fills.
            self.grow();
            return self.insert_hashed(name, h);
        }
        let slot = self.slots.get_mut(at)?;
        *slot = Slot::of(name, index);
        self.names.push(name.to_string());
        Some(index as usize)
    }

    fn place(&mut self, name: &str, index: u32) {
        let mask = self.slots.len().saturating_sub(1);
        let mut at = self.home(hash(name));
        while let Some(s) = self.slots.get_mut(at) {
            if s.index == EMPTY {
                *s = Slot::of(name, index);
                return;
            }
            at = (at + 1) & mask;
        }
    }

    fn grow(&mut self) {
        self.slots = vec![FREE; (self.slots.len() * 2).max(16)];
        let names = std::mem::take(&mut self.names);
        for (i, n) in names.iter().enumerate() {
            self.place(n, u32::try_from(i).unwrap_or(EMPTY));
        }
        self.names = names;
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
