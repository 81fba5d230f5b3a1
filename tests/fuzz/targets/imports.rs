//! The import scanner that decides which files next to the entry are
//! uploaded, on arbitrary sources: never panics, and every specifier it
//! reports is a local one (relative or root-anchored) for JavaScript, or a
//! `.py` file for Python, without a line break.
#![no_main]
use boardingpass::fuzzing::{module_references, ModuleKind};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(source) = std::str::from_utf8(rest) else { return };
    let kind = [ModuleKind::EsModule, ModuleKind::Commonjs, ModuleKind::Python][usize::from(selector) % 3];
    for (spec, _) in module_references(source, kind) {
        assert!(!spec.contains('\n'), "{spec:?}");
        if kind == ModuleKind::Python {
            assert!(spec.ends_with(".py"), "{spec:?}");
        } else {
            assert!(spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/'), "bare specifier followed: {spec:?}");
            assert!(source.contains(spec.as_str()), "{spec:?} is not in the source");
        }
    }
});
