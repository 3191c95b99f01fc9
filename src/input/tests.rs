//! Reading bounded input: what is refused, and how it is said.

use std::io::Write;

use super::*;

#[test]
fn a_regular_file_reads_and_through_a_link_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.yaml");
    fs::write(&file, "a: 1\n").unwrap();
    let link = dir.path().join("link.yaml");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    assert_eq!(read_text(&file, 10).unwrap(), "a: 1\n");
    assert_eq!(read_text(&link, 10).unwrap(), "a: 1\n");
}

#[test]
fn devices_fifos_and_directories_are_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let link = dir.path().join("zero");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    for (path, kind) in [
        (Path::new("/dev/zero"), "a device"),
        (link.as_path(), "a device"),
        (fifo.as_path(), "a FIFO"),
        (dir.path(), "a directory"),
    ] {
        match read_text(path, 1 << 20) {
            Err(Unread::NotRegular(k)) => assert_eq!(k, kind, "{}", path.display()),
            other => panic!("{}: {other:?}", path.display()),
        }
    }
}

#[test]
fn missing_too_large_and_unreadable_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        read_text(&dir.path().join("absent"), 10),
        Err(Unread::Missing)
    ));
    let big = dir.path().join("big");
    fs::File::create(&big)
        .unwrap()
        .write_all(&[b'a'; 11])
        .unwrap();
    assert!(matches!(read_text(&big, 10), Err(Unread::TooLarge(10))));
    let binary = dir.path().join("binary");
    fs::write(&binary, [0xff, 0xfe]).unwrap();
    let Err(unread) = read_text(&binary, 10) else {
        panic!("not UTF-8 was read")
    };
    assert_eq!(unread.reason(), "is not UTF-8 text");
    let error = refusal(&big, "the secrets file", &Unread::TooLarge(1 << 20)).render();
    assert!(error.contains("is larger than 1 MiB"), "{error}");
}

#[test]
fn a_stream_longer_than_the_cap_is_refused() {
    assert!(matches!(
        capped(std::io::repeat(b'a'), 1000),
        Err(Unread::TooLarge(1000))
    ));
    assert_eq!(size(64 << 10), "64 KiB");
}
