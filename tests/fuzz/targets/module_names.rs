//! Worker validation on arbitrary module names: never panics, and whatever
//! it accepts can be sent as a multipart part whose name reaches the server
//! unchanged (no quote, CR, LF or NUL to break the header).
#![no_main]
use boardingpass::fuzzing::{Module, ModuleKind, Worker};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut names = text.split('\u{1}');
    let Some(main) = names.next() else { return };
    let mut worker = Worker::new("fuzz").module(Module::new(main, ModuleKind::EsModule, "export default {}")).main_module(main);
    for n in names {
        worker = worker.module(Module::new(n, ModuleKind::Text, "x"));
    }
    if worker.validate(u64::MAX).is_ok() {
        for m in &worker.modules {
            assert!(!m.name.is_empty() && !m.name.contains(['"', '\r', '\n', '\0']), "accepted {:?}", m.name);
        }
    }
});
