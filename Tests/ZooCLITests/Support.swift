// Shared by the CLI tests that run the real executable.
import Foundation
import ZooCore

/// `.build/debug/zoo` of this checkout (built by `swift build --build-tests`, the README's test command).
let builtZooExecutable = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(".build/debug/zoo")

/// A temporary folder with a tiny 16x16 gray `shapes` store: 8 training sequences of 8 frames and
/// `testCount` test sequences of `testFrames` (the tiny presets: 2 context + 3 predicted; retrogan's 4 + 3).
struct ShapesWorkspace {
    let path: String
    let store: String

    init(prefix: String, testCount: Int = 4, testFrames: Int = 5) throws {
        path = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        store = path + "/shapes.h5"
        var settings = MovingShapes.Settings()
        settings.size = 16
        settings.channels = 1
        try MovingShapes.writeStore(path: store, settings: settings, trainCount: 8, trainFrames: 8, testCount: testCount,
                                    testFrames: testFrames, seed: 1)
    }

    func file(_ name: String) -> String { path + "/" + name }
    /// Removes the folder (its `run` folder made writable first, in case a test took that away).
    func remove() {
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file("run"))
        try? FileManager.default.removeItem(atPath: path)
    }
}
