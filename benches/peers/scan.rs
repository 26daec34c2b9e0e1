//! The bare-scan floor of `benches/compare.sh`: reads a CSV file and splits it into lines and
//! fields, as any scorer must, and does nothing else (no quoting, no types, no scores). kaohe
//! cannot be faster than this; the benchmark reports how far it is from it.
//!
//! `cargo run --release --example scan -- FACTS.csv` prints the number of lines and fields.

use std::io::Read;

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_default();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut fields) = (0u64, 0u64);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for &b in buf.iter().take(n) {
            lines += u64::from(b == b'\n');
            fields += u64::from(b == b',' || b == b'\n');
        }
    }
    println!("{lines} lines, {fields} fields");
    Ok(())
}
