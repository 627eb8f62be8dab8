// Importing video through ffmpeg, and the message when ffmpeg is missing. Without ffmpeg the video tests are
// skipped, except under CI (`CI` set, not "false" or "0"), which installs ffmpeg: there they fail.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

let ffmpegForTests = FFmpegTools.searchPath("ffmpeg", environment: ProcessInfo.processInfo.environment)

/// Whether the ffmpeg tests run: ffmpeg is installed, or CI requires it (then they fail without it).
let ffmpegTestsEnabled = ffmpegForTests != nil || metricWeightsRequired

/// Runs ffmpeg quietly; fails the test when it fails or is missing.
func runFFmpeg(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let ffmpeg = try #require(ffmpegForTests, "ffmpeg is not installed (CI installs it: apt-get install -y ffmpeg)",
                              sourceLocation: sourceLocation)
    let result = try Subprocess.run(ffmpeg, ["-v", "error", "-nostdin", "-y"] + arguments)
    #expect(result.status == 0, "ffmpeg failed: \(result.errorTail)", sourceLocation: sourceLocation)
}

@Suite struct VideoImportIOTests {
    @Test(.enabled(if: ffmpegTestsEnabled, "ffmpeg is not installed"))
    func losslessVideoImportsLikeItsPNGFrames() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("frames/person01_walking_d1"), count: 14, width: 32, height: 24, seed: 5,
                             name: { "f\($0 + 100).png" })
        // ffv1 in AVI is lossless RGB, so decoded frames must equal the PNGs bit for bit.
        try runFFmpeg(["-framerate", "25", "-start_number", "100", "-i", folder.file("frames/person01_walking_d1/f%d.png"),
                       "-c:v", "ffv1", "-pix_fmt", "bgr0", folder.file("videos/person01_walking_d1_uncomp.avi")])
        #expect(try DataImporter.detectFormat(source: folder.file("videos")) == .video)
        let options = importOptions(size: 16, clipLength: 10) { $0.channels = 3 }
        let fromVideo = try DataImporter.importData(from: folder.file("videos"), to: folder.file("v.h5"), options: options)
        try DataImporter.importData(from: folder.file("frames"), to: folder.file("p.h5"), options: options)
        #expect(fromVideo.format == .video && fromVideo.sequenceCounts == ["val": 1])  // KTH person 1 → val
        let video = try ClipStore(path: folder.file("v.h5")), png = try ClipStore(path: folder.file("p.h5"))
        #expect(video.metadata.resize == "stretch")
        #expect(try video.loadSplit("val").frames == png.loadSplit("val").frames)
        #expect(try video.index(split: "val").names == ["person01_walking_d1_uncomp"])
    }

    @Test(.enabled(if: ffmpegTestsEnabled, "ffmpeg is not installed"))
    func lossyMP4ImportsEveryFrame() throws {
        let folder = IOTestFolder()
        let movie = folder.file("clip.mp4")
        try runFFmpeg(["-f", "lavfi", "-i", "testsrc=size=48x32:rate=10", "-frames:v", "23", "-c:v", "mpeg4", movie])
        let options = importOptions(size: 8, clipLength: 20) { $0.testFraction = 0 }
        let report = try DataImporter.importData(from: movie, to: folder.file("m.h5"), options: options)
        #expect(report.frameCounts == ["train": 23])
        let store = try ClipStore(path: folder.file("m.h5"))
        #expect(store.metadata.channels == 3 && store.metadata.sourceFormat == "video")
        let range = try #require(store.index(split: "train").valueRange)
        #expect(range.upperBound - range.lowerBound > 100)  // the test pattern is colourful, not blank
    }

    @Test func missingFFmpegIsExplained() throws {
        let folder = IOTestFolder()
        let movie = folder.file("clip.avi")
        try Data("not really a video".utf8).write(to: URL(fileURLWithPath: movie))
        expectImportFailure(movie, in: folder, options: importOptions { $0.ffmpegPath = "/nonexistent/bin/ffmpeg" },
                            file: movie, containing: "needs ffmpeg, but /nonexistent/bin/ffmpeg (from --ffmpeg) is not an executable")
        let noPath = #expect(throws: ImportError.self) {
            _ = try FFmpegTools.locate(explicit: nil, source: movie, environment: ["PATH": "/nonexistent/bin"])
        }
        #expect(noPath?.message.contains("not found on PATH") == true)
        #expect(noPath?.message.contains("apt-get install -y ffmpeg") == true)
        let fromEnvironment = #expect(throws: ImportError.self) {
            _ = try FFmpegTools.locate(explicit: nil, source: movie, environment: ["ZOO_FFMPEG": "/nonexistent/ffmpeg"])
        }
        #expect(fromEnvironment?.message.contains("$ZOO_FFMPEG") == true)
    }

    /// A video cut in half (its index at the front, as `-movflags +faststart` writes it, so ffprobe still
    /// reads it): ffmpeg decodes the first frames and reports the damage; the import refuses the file
    /// instead of keeping the frames before the cut.
    @Test(.enabled(if: ffmpegTestsEnabled, "ffmpeg is not installed"))
    func truncatedVideoIsRefused() throws {
        let folder = IOTestFolder()
        let whole = folder.file("whole.mp4"), movie = folder.file("cut.mp4")
        try runFFmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", "40", "-c:v", "mpeg4",
                       "-movflags", "+faststart", whole])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: movie))
        let options = importOptions(size: 8, clipLength: 4) { $0.testFraction = 0 }
        // The whole file imports all 40 frames; the cut one is refused, naming it.
        let report = try DataImporter.importData(from: whole, to: folder.file("whole.h5"), options: options)
        #expect(report.frameCounts == ["train": 40])
        expectImportFailure(movie, in: folder, options: options, file: movie, containing: "ffmpeg could not decode the file")
    }

    /// A video shorter than the clip length is refused with the numbers, or left out with --skip-short.
    @Test(.enabled(if: ffmpegTestsEnabled, "ffmpeg is not installed"))
    func tooShortVideoIsRefusedOrSkipped() throws {
        let folder = IOTestFolder()
        try FileManager.default.createDirectory(atPath: folder.file("videos"), withIntermediateDirectories: true)
        let short = folder.file("videos/short.mp4")
        try runFFmpeg(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=10", "-frames:v", "5", "-c:v", "mpeg4", short])
        let options = importOptions(size: 8, clipLength: 8) { $0.testFraction = 0 }
        expectImportFailure(short, in: folder, options: options, file: short,
                            containing: "has 5 frames, fewer than the clip length 8")
        try runFFmpeg(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=10", "-frames:v", "12", "-c:v", "mpeg4",
                       folder.file("videos/long.mp4")])
        let report = try DataImporter.importData(from: folder.file("videos"), to: folder.file("s.h5"),
                                                 options: importOptions(size: 8, clipLength: 8) {
                                                     $0.testFraction = 0
                                                     $0.skipShort = true
                                                 })
        #expect(report.frameCounts == ["train": 12], "\(report.frameCounts)")
        #expect(report.skipped.count == 1 && report.skipped[0].contains("short.mp4: 5 frames"), "\(report.skipped)")
    }

    /// Videos of different frame sizes and aspect ratios in one folder: each is resized to the store's size.
    @Test(.enabled(if: ffmpegTestsEnabled, "ffmpeg is not installed"))
    func videosOfMixedFrameSizesAreResizedToOneSize() throws {
        let folder = IOTestFolder()
        try FileManager.default.createDirectory(atPath: folder.file("videos"), withIntermediateDirectories: true)
        for (name, size, frames) in [("a", "48x32", 9), ("b", "20x30", 7), ("c", "64x64", 8)] {
            try runFFmpeg(["-f", "lavfi", "-i", "testsrc=size=\(size):rate=10", "-frames:v", "\(frames)", "-c:v", "mpeg4",
                           folder.file("videos/\(name).mp4")])
        }
        let report = try DataImporter.importData(from: folder.file("videos"), to: folder.file("m.h5"),
                                                 options: importOptions(size: 16, clipLength: 6) { $0.testFraction = 0 })
        #expect(report.frameCounts == ["train": 24], "\(report.frameCounts)")
        let store = try ClipStore(path: folder.file("m.h5"))
        #expect(store.metadata.height == 16 && store.metadata.width == 16 && store.metadata.channels == 3)
        let index = try store.index(split: "train")
        #expect(index.names.sorted() == ["a", "b", "c"])
        #expect(Dictionary(uniqueKeysWithValues: zip(index.names, index.lengths)) == ["a": 9, "b": 7, "c": 8])
        #expect(try store.loadSplit("train").frames.count == 24 * 16 * 16 * 3)
    }

    @Test(.enabled(if: ffmpegTestsEnabled, "ffmpeg is not installed"))
    func undecodableVideoIsReported() throws {
        let folder = IOTestFolder()
        let movie = folder.file("broken.mp4")
        try Data(ioTestBytes(5000, seed: 3)).write(to: URL(fileURLWithPath: movie))
        expectImportFailure(movie, in: folder, options: importOptions(), file: movie, containing: "ffprobe cannot read the file")
    }
}
