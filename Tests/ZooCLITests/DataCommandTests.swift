// `zoo data import|info|preview`: parsing, an end-to-end run on PNG folders the test writes, and
// non-zero exits with messages naming the bad file.
import ArgumentParser
import Foundation
import Testing
import ZooCore
@testable import ZooCLI

/// A temporary folder for one test, removed afterwards.
private final class DataCommandFolder {
    let path = NSTemporaryDirectory() + "zoo-data-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `count` gray 12x10 frames with distinct values into `path/relative`.
    func sequence(_ relative: String, count: Int, base: Int) throws {
        let folder = path + "/" + relative
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for i in 0..<count {
            let pixels = (0..<120).map { UInt8(truncatingIfNeeded: base * 40 + i * 3 + $0) }
            try PNGImage(width: 12, height: 10, channels: 1, pixels: pixels).write(to: folder + "/\(i + 1).png")
        }
    }
}

@Suite struct DataCommandTests {
    @Test func importParsesFlags() throws {
        let command = try #require(try Zoo.parseAsRoot([
            "data", "import", "frames", "--out", "s.h5", "--format", "png-folders", "--size", "32", "--channels", "1",
            "--clip-length", "10", "--resize", "stretch", "--test-fraction", "0.2", "--seed", "3", "--gzip", "0",
            "--skip-short", "--force", "--ffmpeg", "/opt/ffmpeg",
        ]) as? DataCommand.Import)
        let o = command.options
        #expect(o.format == .pngFolders && o.size == 32 && o.channels == 1 && o.clipLength == 10 && o.resize == .stretch)
        #expect(o.testFraction == 0.2 && o.seed == 3 && o.gzipLevel == nil && o.skipShort && o.overwrite)
        #expect(o.ffmpegPath == "/opt/ffmpeg")
        let defaults = try #require(try Zoo.parseAsRoot(["data", "import", "x", "--out", "y.h5"]) as? DataCommand.Import)
        #expect(defaults.options.size == 64 && defaults.options.clipLength == 20 && defaults.options.channels == nil)
        #expect(defaults.options.format == nil && defaults.options.gzipLevel == 4)
        #expect(try Zoo.parseAsRoot(["data", "generate", "flow"]) is DataGenerate)
    }

    @Test(arguments: [
        ["data", "import", "x"],  // --out is required
        ["data", "import", "x", "--out", "y.h5", "--channels", "2"],
        ["data", "import", "x", "--out", "y.h5", "--format", "gif"],
        ["data", "import", "x", "--out", "y.h5", "--resize", "squash"],
        ["data", "import", "x", "--out", "y.h5", "--gzip", "10"],
        ["data", "preview", "s.h5"],  // --out is required
        ["data", "preview", "s.h5", "--out", "p.png", "--clips", "0"],
        ["data", "info"],
    ])
    func badDataArgumentsAreRejected(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Zoo.parseAsRoot(arguments) }
    }

    @Test func importInfoPreviewEndToEnd() throws {
        let folder = DataCommandFolder()
        try folder.sequence("src/train/a", count: 12, base: 0)
        try folder.sequence("src/train/b", count: 9, base: 1)
        try folder.sequence("src/test/c", count: 10, base: 2)
        let store = folder.path + "/store.h5"
        var importCommand = try Zoo.parseAsRoot(["data", "import", folder.path + "/src", "--out", store, "--size", "8",
                                                 "--clip-length", "8", "--quiet"])
        try importCommand.run()

        let summary = try StoreSummary.gather(path: store)
        #expect(summary.sourceFormat == "png-folders" && summary.height == 8 && summary.channels == 1)
        #expect(summary.splits.map(\.name) == ["test", "train"])
        #expect(summary.splits[1].sequences == 2 && summary.splits[1].frames == 21)
        #expect(summary.splits[1].shortestSequence == 9 && summary.splits[1].longestSequence == 12)
        #expect(summary.splits[0].maxValue >= summary.splits[0].minValue)
        #expect(summary.text().contains("train  2 sequences, 21 frames (9-12 per sequence)"))
        // What `zoo data info --json` prints (the real executable's stdout) decodes to the same summary.
        let executable = builtZooExecutable.path
        try #require(FileManager.default.isExecutableFile(atPath: executable),
                     "\(executable) is missing: build it with swift build --build-tests")
        let printed = try runProgram(executable, ["data", "info", store, "--json"], what: "zoo data info").stdout
        #expect(try JSONDecoder().decode(StoreSummary.self, from: printed) == summary)
        let text = try runProgram(executable, ["data", "info", store], what: "zoo data info").stdout
        #expect(String(decoding: text, as: UTF8.self).contains("train  2 sequences, 21 frames (9-12 per sequence)"))

        let sheet = folder.path + "/sheet.png"
        var preview = try Zoo.parseAsRoot(["data", "preview", store, "--out", sheet, "--split", "train",
                                           "--clips", "4", "--frames", "5", "--scale", "2"])
        try preview.run()
        let image = try PNGImage.read(path: sheet)
        // 2 clips (all the split has) x 5 frames of 16x16 (8 pixels, scale 2) with 2-pixel gaps.
        #expect(image.width == 5 * 18 + 2 && image.height == 2 * 18 + 2 && image.channels == 1)
        #expect(DataCommand.Preview.layout(lengths: [12, 9, 30, 20], clips: 2, frames: 5, start: 6, stride: 2)
                == ([0, 2], [6, 8, 10]))
    }

    @Test func badInputExitsNonZeroNamingTheFile() throws {
        let folder = DataCommandFolder()
        try folder.sequence("src/a", count: 3, base: 0)
        let bad = folder.path + "/src/a/2.png"
        try Data("this is not a png".utf8).write(to: URL(fileURLWithPath: bad))
        var command = try Zoo.parseAsRoot(["data", "import", folder.path + "/src", "--out", folder.path + "/s.h5",
                                           "--clip-length", "2", "--quiet"])
        let error = #expect(throws: ImportError.self) { try command.run() }
        let failure = try #require(error)
        #expect(Zoo.exitCode(for: failure) != .success)
        #expect(Zoo.message(for: failure).contains(bad))
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/s.h5"))

        var info = try Zoo.parseAsRoot(["data", "info", folder.path + "/missing.h5"])
        let missing = #expect(throws: ClipStoreError.self) { try info.run() }
        #expect(Zoo.message(for: try #require(missing)).contains("missing.h5"))
    }
}
