// Shared by the CLI tests that run the real executable.
import Foundation

/// `.build/debug/zoo` of this checkout (built by `swift build --build-tests`, the README's test command).
let builtZooExecutable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(".build/debug/zoo")
