// The release build users run keeps ZooCore's checks: a shape mismatch in an op stops the program with a
// message naming the shapes (not memory corruption or garbage), and a checkpoint with a wrong-shaped tensor
// is refused with the file and the tensor named. These run `.build/release/zoo`, which the README's test
// command builds before the tests.
import Baselines
import Foundation
import Testing
import ZooCore

private let releaseZoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(".build/release/zoo").path

/// Runs the release `zoo` with `arguments`; its exit status and everything it wrote to stderr.
private func runRelease(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    try #require(FileManager.default.isExecutableFile(atPath: releaseZoo),
                 "\(releaseZoo) is missing: build it with swift build -c release --product zoo")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: releaseZoo)
    process.arguments = arguments
    let stderr = Pipe()
    process.standardError = stderr
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct ReleaseChecks {
    @Test func aShapeMismatchInAnOpStopsWithTheShapesNamed() throws {
        let (status, stderr) = try runRelease(["doctor", "--trap-shape-mismatch"])
        #expect(status != 0)
        #expect(stderr.contains("matmul inner sizes differ: [2, 3] · [4, 5]"), "\(stderr)")
        #expect(!stderr.contains("did not stop"), "\(stderr)")
    }

    @Test func aWrongShapedTensorInACheckpointIsANamedError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-release-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = RandomGenerator(seed: 0)
        let model = ConvGRUPredictor(config: .tiny, rng: &rng)
        var checkpoint = try Checkpoint.capture(model, preset: "tiny")
        let name = try #require(checkpoint.parameters.keys.sorted().first)
        checkpoint.parameters[name] = Tensor.zeros([3, 1, 1])
        let path = folder.appendingPathComponent("bad.h5").path
        try checkpoint.write(to: path)
        let (status, stderr) = try runRelease(["sample", "--checkpoint", path, "--context", folder.path,
                                               "--out", folder.appendingPathComponent("out").path])
        #expect(status != 0)
        #expect(stderr.contains(path) && stderr.contains("params/\(name)") && stderr.contains("[3, 1, 1]"), "\(stderr)")
    }
}
