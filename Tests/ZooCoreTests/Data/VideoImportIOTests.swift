// Importing video through ffmpeg (when installed), and the message when ffmpeg is missing.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

let ffmpegForTests = FFmpegTools.searchPath("ffmpeg", environment: ProcessInfo.processInfo.environment)

/// Runs ffmpeg quietly; fails the test when it fails.
func runFFmpeg(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try Subprocess.run(ffmpegForTests!, ["-v", "error", "-nostdin", "-y"] + arguments)
    #expect(result.status == 0, "ffmpeg failed: \(result.errorTail)", sourceLocation: sourceLocation)
}

@Suite struct VideoImportIOTests {
    @Test(.enabled(if: ffmpegForTests != nil, "ffmpeg is not installed"))
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

    @Test(.enabled(if: ffmpegForTests != nil, "ffmpeg is not installed"))
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

    @Test(.enabled(if: ffmpegForTests != nil, "ffmpeg is not installed"))
    func undecodableVideoIsReported() throws {
        let folder = IOTestFolder()
        let movie = folder.file("broken.mp4")
        try Data(ioTestBytes(5000, seed: 3)).write(to: URL(fileURLWithPath: movie))
        expectImportFailure(movie, in: folder, options: importOptions(), file: movie, containing: "ffprobe cannot read the file")
    }
}
