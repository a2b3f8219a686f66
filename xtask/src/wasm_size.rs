//! Where the bytes of a WebAssembly build go: each function's body size from the code section, named by
//! the build's `name` section (the build before wasm-bindgen strips it), summed by crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::util::Result;

/// What a module holds: every defined function's body size and name, and the size of its data.
#[derive(Debug, Default, PartialEq)]
pub struct Breakdown {
    /// `(name, bytes)` of each function defined in the module, in index order.
    pub functions: Vec<(String, u64)>,
    /// The bytes of the data section (string constants, tables of the standard library).
    pub data: u64,
}

/// Reads a module's sections. Fails on bytes that are not a WebAssembly module.
pub fn read(wasm: &[u8]) -> Result<Breakdown> {
    let mut reader = Reader { bytes: wasm, at: 0 };
    if reader.take(8)? != b"\0asm\x01\0\0\0" {
        return Err("not a WebAssembly module (version 1)".into());
    }
    let mut imported_functions = 0;
    let mut bodies = Vec::new();
    let mut names = BTreeMap::new();
    let mut data = 0;
    while !reader.done() {
        let id = reader.byte()?;
        let size = reader.leb()?;
        let mut section = Reader { bytes: reader.take(size)?, at: 0 };
        match id {
            2 => imported_functions = count_imported_functions(&mut section)?,
            10 => {
                for _ in 0..section.leb()? {
                    let body = section.leb()?;
                    section.take(body)?;
                    bodies.push(body);
                }
            }
            11 => data = size,
            0 if section.name()? == "name" => names = function_names(&mut section)?,
            _ => {}
        }
    }
    let functions = bodies
        .into_iter()
        .enumerate()
        .map(|(index, size)| {
            let name = names.remove(&(index + imported_functions)).unwrap_or_else(|| format!("<function {index}>"));
            (name, size as u64)
        })
        .collect();
    Ok(Breakdown { functions, data: data as u64 })
}

/// The module without its custom sections called `name` (a custom section is metadata for tools, never run).
/// Fails on bytes that are not a WebAssembly module.
pub fn without_custom_section(wasm: &[u8], name: &str) -> Result<Vec<u8>> {
    let mut reader = Reader { bytes: wasm, at: 0 };
    let mut kept = reader.take(8)?.to_vec();
    if kept != b"\0asm\x01\0\0\0" {
        return Err("not a WebAssembly module (version 1)".into());
    }
    while !reader.done() {
        let start = reader.at;
        let id = reader.byte()?;
        let size = reader.leb()?;
        let body = reader.take(size)?;
        if id != 0 || (Reader { bytes: body, at: 0 }).name()? != name {
            kept.extend_from_slice(&wasm[start..reader.at]);
        }
    }
    Ok(kept)
}

/// The report `cargo xtask wasm-build --why` prints: bytes by crate, then the largest functions.
pub fn report(breakdown: &Breakdown, top: usize) -> String {
    let mut by_crate: BTreeMap<String, u64> = BTreeMap::new();
    let demangled: Vec<(String, u64)> = breakdown
        .functions
        .iter()
        .map(|(name, size)| (format!("{:#}", rustc_demangle::demangle(name)), *size))
        .collect();
    for (name, size) in &demangled {
        *by_crate.entry(crate_of(name).to_owned()).or_default() += size;
    }
    let mut crates: Vec<(String, u64)> = by_crate.into_iter().collect();
    crates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let code: u64 = demangled.iter().map(|(_, size)| size).sum();
    let mut out =
        format!("code {code} B in {} functions, data {} B (raw, before gzip)\n", demangled.len(), breakdown.data);
    let _ = writeln!(out, "by crate:");
    for (name, size) in &crates {
        let _ = writeln!(out, "  {size:8} B  {name}");
    }
    let mut largest = demangled;
    largest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let _ = writeln!(out, "largest functions:");
    for (name, size) in largest.iter().take(top) {
        let _ = writeln!(out, "  {size:8} B  {name}");
    }
    out
}

/// The crate a demangled function belongs to: the first path segment, or for `<Type as Trait>::f` the
/// crate of the type (the code is the type's), without `[hash]` disambiguators.
fn crate_of(name: &str) -> &str {
    if name.starts_with("<function ") {
        return "<unnamed>";
    }
    if !name.contains("::") {
        // Not a Rust path: the exports and descriptors wasm-bindgen generates, or the compiler's own.
        return if name.starts_with("__wbindgen") || name.starts_with("__wbg") { "<wasm-bindgen>" } else { "<other>" };
    }
    let name = name.trim_start_matches('<').trim_start_matches('&').trim_start_matches("mut ").trim_start_matches('<');
    let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(name.len());
    match &name[..end] {
        "" => "<other>",
        // Methods of primitive types are the standard library's.
        "str" | "char" | "bool" | "f32" | "f64" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16"
        | "i32" | "i64" | "i128" | "isize" => "core",
        // A blanket impl over a type parameter names no crate.
        "T" => "<generic>",
        segment => segment,
    }
}

fn count_imported_functions(section: &mut Reader<'_>) -> Result<usize> {
    let mut functions = 0;
    for _ in 0..section.leb()? {
        section.name()?;
        section.name()?;
        match section.byte()? {
            0 => {
                section.leb()?;
                functions += 1;
            }
            1 => {
                section.byte()?;
                section.limits()?;
            }
            2 => section.limits()?,
            3 => {
                section.byte()?;
                section.byte()?;
            }
            kind => return Err(format!("unknown import kind {kind}").into()),
        }
    }
    Ok(functions)
}

/// The function names of a `name` section (subsection 1), by function index.
fn function_names(section: &mut Reader<'_>) -> Result<BTreeMap<usize, String>> {
    let mut names = BTreeMap::new();
    while !section.done() {
        let id = section.byte()?;
        let size = section.leb()?;
        let mut subsection = Reader { bytes: section.take(size)?, at: 0 };
        if id == 1 {
            for _ in 0..subsection.leb()? {
                let index = subsection.leb()?;
                names.insert(index, subsection.name()?.to_owned());
            }
        }
    }
    Ok(names)
}

/// A cursor over a module's bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let taken = self.at.checked_add(len).and_then(|end| self.bytes.get(self.at..end)).ok_or("truncated module")?;
        self.at += len;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 number (at most 32 bits, as every size and count in a module is).
    fn leb(&mut self) -> Result<usize> {
        let mut value = 0usize;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a LEB128 number longer than 32 bits".into())
    }

    fn name(&mut self) -> Result<&'a str> {
        let len = self.leb()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "a name that is not UTF-8".into())
    }

    fn limits(&mut self) -> Result<()> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 == 1 {
            self.leb()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module by hand: one imported function, two defined ones (bodies of 4 and 2 bytes), names for
    /// all three, and a 3-byte data section.
    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let section = |wasm: &mut Vec<u8>, id: u8, body: &[u8]| {
            wasm.push(id);
            wasm.push(u8::try_from(body.len()).unwrap());
            wasm.extend_from_slice(body);
        };
        section(&mut wasm, 2, &[1, 1, b'm', 1, b'f', 0, 0]);
        section(&mut wasm, 10, &[2, 4, 0, 1, 1, 0x0b, 2, 0, 0x0b]);
        section(&mut wasm, 11, &[0, 0, 0]);
        let names: &[(u8, &str)] = &[(0, "imported"), (1, "_ZN9credoffer5parse17h0123456789abcdefE"), (2, "other")];
        let mut map = vec![u8::try_from(names.len()).unwrap()];
        for (index, name) in names {
            map.push(*index);
            map.push(u8::try_from(name.len()).unwrap());
            map.extend_from_slice(name.as_bytes());
        }
        let mut custom = vec![4];
        custom.extend_from_slice(b"name");
        custom.push(1);
        custom.push(u8::try_from(map.len()).unwrap());
        custom.extend_from_slice(&map);
        section(&mut wasm, 0, &custom);
        wasm
    }

    #[test]
    fn functions_are_named_past_the_imports_and_sized_by_their_bodies() {
        let breakdown = read(&module()).unwrap();
        assert_eq!(
            breakdown,
            Breakdown {
                functions: vec![("_ZN9credoffer5parse17h0123456789abcdefE".into(), 4), ("other".into(), 2)],
                data: 3
            }
        );
        let report = report(&breakdown, 1);
        assert!(report.starts_with("code 6 B in 2 functions, data 3 B"), "{report}");
        assert!(report.contains("       4 B  credoffer\n") && report.contains("       2 B  <other>\n"), "{report}");
        assert!(report.ends_with("largest functions:\n         4 B  credoffer::parse\n"), "{report}");
    }

    #[test]
    fn a_custom_section_is_dropped_by_name_and_the_rest_kept() {
        let wasm = module();
        let without_names = without_custom_section(&wasm, "name").unwrap();
        assert_eq!(read(&without_names).unwrap().functions[0].0, "<function 0>");
        // The name section is the module's last: everything before it is kept as it was.
        assert!(without_names.len() < wasm.len());
        assert_eq!(without_names, wasm[..without_names.len()]);
        assert_eq!(without_custom_section(&wasm, "target_features").unwrap(), wasm);
        assert!(without_custom_section(b"not wasm", "name").is_err());
        assert!(without_custom_section(&wasm[..20], "name").is_err());
    }

    #[test]
    fn broken_modules_are_errors_not_panics() {
        assert!(read(b"not wasm").is_err());
        let mut truncated = module();
        truncated.truncate(20);
        assert!(read(&truncated).is_err());
        assert!(read(&[0, b'a', b's', b'm', 1, 0, 0, 0, 10, 200]).is_err());
    }

    #[test]
    fn a_trait_method_belongs_to_its_type_s_crate() {
        assert_eq!(crate_of("<serde_json::de::Deserializer<R> as serde::Deserializer>::deserialize_any"), "serde_json");
        assert_eq!(crate_of("<&mut serde_json::ser::Serializer as x>::f"), "serde_json");
        assert_eq!(crate_of("core::fmt::write"), "core");
        assert_eq!(crate_of("<str as core::fmt::Display>::fmt"), "core");
        assert_eq!(crate_of("<T as alloc::string::ToString>::to_string"), "<generic>");
        assert_eq!(crate_of("<function 3>"), "<unnamed>");
        assert_eq!(crate_of("__wbindgen_describe_parseOfferUri"), "<wasm-bindgen>");
        assert_eq!(crate_of("memcpy"), "<other>");
    }
}
