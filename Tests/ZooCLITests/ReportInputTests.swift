// The inputs of the paper's experiment: `zoo sample --context` with frames of another size (resized as
// `zoo data import` does, and said so), and KTH's avi files cut into the sub-sequences of 00sequences.txt.
import ArgumentParser
import Foundation
import Testing
@testable import ZooCLI
@testable import ZooCore

private struct InputFolder {
    let path = NSTemporaryDirectory() + "zoo-input-\(getpid())-\(UUID().uuidString.prefix(8))"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A frame with a pattern that depends on `seed` (so frames differ and resizing has something to average).
private func patternImage(width: Int, height: Int, channels: Int, seed: Int) -> PNGImage {
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels { pixels[(y * width + x) * channels + c] = UInt8((x * 7 + y * 13 + seed * 29 + c * 61) % 256) }
        }
    }
    return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
}

@Suite(.serialized) struct ReportInputTests {
    @Test func sampleResizesContextFramesOfAnotherSize() throws {
        let folder = try InputFolder()
        defer { folder.remove() }
        var shapes = MovingShapes.Settings()
        shapes.size = 16
        try MovingShapes.writeStore(path: folder.file("s.h5"), settings: shapes, trainCount: 2, trainFrames: 6, testCount: 1,
                                    testFrames: 5, seed: 1)
        var train = try Zoo.parseAsRoot(["train", "copy-last", "--preset", "tiny", "--data", folder.file("s.h5"),
                                         "--steps", "0", "--out", folder.file("run"), "--quiet"])
        try train.run()
        try FileManager.default.createDirectory(atPath: folder.file("ctx"), withIntermediateDirectories: true)
        let frames = (0..<2).map { patternImage(width: 32, height: 32, channels: 1, seed: $0) }
        for (t, image) in frames.enumerated() { try image.write(to: folder.file("ctx/f\(t).png")) }

        let sample = try #require(try Zoo.parseAsRoot(["sample", "--checkpoint", folder.file("run/last.h5"), "--context",
                                                       folder.file("ctx"), "--samples", "1", "--out", folder.file("out"),
                                                       "--quiet"]) as? Zoo.Sample)
        let sink = ResultSink.collecting()
        try sample.execute(sink)
        #expect(sink.text.contains("resized 32x32 frames to the model's 16x16 as zoo data import does"), "\(sink.text)")
        // copy-last repeats the last context frame: the prediction is that frame as the import pipeline makes it.
        let expected = FramePreprocessor(size: 16, channels: 1, resize: .crop)
            .process(frames[1].pixels, width: 32, height: 32, channels: 1)
        #expect(try PNGImage.read(path: folder.file("out/sample-00/frame-000.png")).pixels == expected)
    }

    @Test func kthVideosAreCutIntoTheirAnnotatedSubSequences() throws {
        let ffmpeg = try #require((ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { $0 + "/ffmpeg" }.first { FileManager.default.isExecutableFile(atPath: $0) },
            "ffmpeg is needed (scripts/install-deps.sh installs it)")
        let folder = try InputFolder()
        defer { folder.remove() }
        // 14 frames of person01 walking as PNGs and as a lossless avi; person02's video has no annotation.
        for person in ["person01_walking_d1", "person02_boxing_d1"] {
            let frames = folder.file("frames/" + person)
            try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
            for t in 0..<14 {
                try patternImage(width: 32, height: 24, channels: 3, seed: t).write(to: frames + String(format: "/f%03d.png", t))
            }
            try FileManager.default.createDirectory(atPath: folder.file("videos"), withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ffmpeg)
            process.arguments = ["-v", "error", "-nostdin", "-y", "-framerate", "25", "-i", frames + "/f%03d.png", "-c:v", "ffv1",
                                 "-pix_fmt", "bgr0", folder.file("videos/\(person)_uncomp.avi")]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        try FileManager.default.removeItem(atPath: folder.file("frames/person02_boxing_d1"))
        try """
            The sub-sequences of each video (frame ranges, first frame 1)

            person01_walking_d1\t\tframes\t1-5, 6-12
            """.write(toFile: folder.file("videos/00sequences.txt"), atomically: true, encoding: .utf8)

        for (source, out) in [("videos", "v.h5"), ("frames", "p.h5")] {
            var command = try Zoo.parseAsRoot(["data", "import", folder.file(source), "--out", folder.file(out), "--size", "16",
                                               "--channels", "3", "--clip-length", "5", "--quiet"])
            try command.run()
        }
        let video = try ClipStore(path: folder.file("v.h5")), png = try ClipStore(path: folder.file("p.h5"))
        let index = try video.index(split: "val")   // KTH person 1 is in the validation split
        #expect(index.names == ["person01_walking_d1_uncomp-seq1", "person01_walking_d1_uncomp-seq2"])
        #expect(index.lengths == [5, 7])
        #expect(video.splits["test"] == nil, "person02's video has no annotation and is left out")
        let whole = try png.loadSplit("val").frames
        let frameBytes = 16 * 16 * 3
        #expect(try video.loadSplit("val").frames == Array(whole[0..<(12 * frameBytes)]))

        // A broken range names the file and line.
        try "person01_walking_d1  frames  1-5, 9-x\n".write(toFile: folder.file("videos/00sequences.txt"), atomically: true,
                                                            encoding: .utf8)
        var broken = try Zoo.parseAsRoot(["data", "import", folder.file("videos"), "--out", folder.file("b.h5"), "--size", "16",
                                          "--clip-length", "5", "--quiet"])
        #expect { try broken.run() } throws: { error in
            let message = Zoo.message(for: error)
            return message.contains("00sequences.txt") && message.contains("line 1") && message.contains("9-x")
        }
    }
}
