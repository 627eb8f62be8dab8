// Importing every source format into a clip store, and a clear error for every kind of bad input.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Writes `count` random frames into `folder` named by `name(i)`; returns the frames.
@discardableResult
func writePNGSequence(_ folder: String, count: Int, width: Int = 8, height: Int = 8, channels: Int = 3,
                      seed: UInt64, name: (Int) -> String = { "frame\($0 + 1000).png" }) throws -> [PNGImage] {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return try (0..<count).map { i in
        let image = PNGImage(width: width, height: height, channels: channels,
                             pixels: ioTestBytes(width * height * channels, seed: seed &* 1000 &+ UInt64(i)))
        try image.write(to: folder + "/" + name(i))
        return image
    }
}

func importOptions(size: Int = 8, clipLength: Int = 3, _ change: (inout ImportOptions) -> Void = { _ in }) -> ImportOptions {
    var options = ImportOptions()
    options.size = size
    options.clipLength = clipLength
    change(&options)
    return options
}

/// The import fails with an `ImportError` naming `file`, leaves no store and no temporary file behind.
func expectImportFailure(_ source: String, in folder: IOTestFolder, options: ImportOptions, file: String,
                         containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let store = folder.path + "/bad-store.h5"
    do {
        _ = try DataImporter.importData(from: source, to: store, options: options)
        Issue.record("import of \(source) should have failed", sourceLocation: sourceLocation)
    } catch let error as ImportError {
        #expect(error.file == file, sourceLocation: sourceLocation)
        #expect(error.message.contains(text), "message: \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    #expect(!FileManager.default.fileExists(atPath: store), sourceLocation: sourceLocation)
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasSuffix(".partial") }
    #expect(leftovers == [], sourceLocation: sourceLocation)
}

@Suite struct ImportTests {
    @Test func pngFoldersWithTrainTestFoldersKeepFrameOrder() throws {
        let folder = IOTestFolder()
        let root = folder.file("bair/")
        // Names sort wrongly as text (image-10 before image-2): the importer orders by number.
        let a = try writePNGSequence(root + "train/traj_0/0", count: 12, seed: 1, name: { "image-\($0)" + ".png" })
        try writePNGSequence(root + "train/traj_0/1", count: 4, seed: 2)
        let c = try writePNGSequence(root + "test/traj_9/0", count: 5, seed: 3)
        #expect(try DataImporter.detectFormat(source: root) == .pngFolders)
        let report = try DataImporter.importData(from: root, to: folder.file("bair.h5"), options: importOptions())
        #expect(report.sequenceCounts == ["train": 2, "test": 1])
        #expect(report.frameCounts == ["train": 16, "test": 5])
        let store = try ClipStore(path: folder.file("bair.h5"))
        #expect(store.metadata.channels == 3 && store.metadata.height == 8 && store.metadata.evalSplit == "test")
        #expect(store.metadata.splitRule == "folders" && store.metadata.sourceFormat == "png-folders")
        let train = try store.index(split: "train")
        #expect(train.names == ["train/traj_0/0", "train/traj_0/1"] && train.lengths == [12, 4])
        // Frames are already 8x8, so they are stored unchanged and in numeric order.
        #expect(try store.readWindow(split: "train", sequence: 0, start: 0, length: 12) == a.flatMap(\.pixels))
        #expect(try store.readWindow(split: "test", sequence: 0, start: 0, length: 5) == c.flatMap(\.pixels))
    }

    @Test func grayAndResizedFramesGoThroughThePreprocessor() throws {
        let folder = IOTestFolder()
        let frames = try writePNGSequence(folder.file("src/clip"), count: 3, width: 20, height: 10, channels: 1, seed: 4)
        let options = importOptions(size: 6) { $0.testFraction = 0 }
        try DataImporter.importData(from: folder.file("src"), to: folder.file("s.h5"), options: options)
        let store = try ClipStore(path: folder.file("s.h5"))
        #expect(store.metadata.channels == 1 && store.metadata.resize == "crop")
        let expected = FramePreprocessor(size: 6, channels: 1, resize: .crop)
            .process(frames[2].pixels, width: 20, height: 10, channels: 1)
        #expect(try store.readWindow(split: "train", sequence: 0, start: 2, length: 1) == expected)
    }

    @Test func kthPersonSplitGrayAndStretch() throws {
        let folder = IOTestFolder()
        let root = folder.file("kth")
        for (person, seed) in [(1, 1), (4, 2), (11, 3), (22, 4), (13, 5)] as [(Int, UInt64)] {
            let name = "boxing/person\(person < 10 ? "0" : "")\(person)_boxing_d1"
            try writePNGSequence(root + "/" + name, count: 4, width: 16, height: 12, channels: 3, seed: seed)
        }
        let report = try DataImporter.importData(from: root, to: folder.file("kth.h5"), options: importOptions())
        #expect(report.sequenceCounts == ["train": 2, "val": 2, "test": 1])
        let store = try ClipStore(path: folder.file("kth.h5"))
        #expect(store.metadata.channels == 1 && store.metadata.resize == "stretch" && store.metadata.evalSplit == "val")
        #expect(store.metadata.splitRule.hasPrefix("kth-persons"))
        #expect(try store.index(split: "val").evalStartFrame == 12)
        #expect(try store.index(split: "train").names == ["boxing/person11_boxing_d1", "boxing/person13_boxing_d1"])
    }

    @Test func seededSplitIsDeterministic() throws {
        let folder = IOTestFolder()
        for i in 0..<10 { try writePNGSequence(folder.file("src/seq\(i)"), count: 3, seed: UInt64(i)) }
        let options = importOptions { $0.seed = 7 }
        try DataImporter.importData(from: folder.file("src"), to: folder.file("a.h5"), options: options)
        try DataImporter.importData(from: folder.file("src"), to: folder.file("b.h5"), options: options)
        let a = try ClipStore(path: folder.file("a.h5")), b = try ClipStore(path: folder.file("b.h5"))
        #expect(try a.index(split: "test").sequenceCount == 1 && a.metadata.splitRule == "seeded(seed=7, testFraction=0.1)")
        #expect(try a.index(split: "test").names == b.index(split: "test").names)
    }

    @Test func cityscapesSnippetsAndSplits() throws {
        let folder = IOTestFolder()
        let root = folder.file("cs/leftImg8bit_sequence")
        func six(_ n: Int) -> String { let s = String(n); return String(repeating: "0", count: 6 - s.count) + s }
        let name = { (city: String, seq: Int) in { (i: Int) in "\(city)_\(six(seq))_\(six(i + 10))_leftImg8bit.png" } }
        let train = try writePNGSequence(root + "/train/aachen", count: 6, width: 16, height: 8, seed: 1, name: name("aachen", 0))
        try writePNGSequence(root + "/train/aachen", count: 3, width: 16, height: 8, seed: 2, name: name("aachen", 4))
        try writePNGSequence(root + "/val/bremen", count: 3, width: 16, height: 8, seed: 3, name: name("bremen", 1))
        try Data("ignored".utf8).write(to: URL(fileURLWithPath: root + "/README.txt"))
        #expect(try DataImporter.detectFormat(source: folder.file("cs")) == .cityscapes)
        let options = importOptions(size: 4) { $0.snippetLength = 3 }
        let report = try DataImporter.importData(from: folder.file("cs"), to: folder.file("cs.h5"), options: options)
        #expect(report.format == .cityscapes && report.sequenceCounts == ["train": 3, "val": 1])
        let store = try ClipStore(path: folder.file("cs.h5"))
        #expect(store.metadata.evalSplit == "val" && store.metadata.channels == 3)
        #expect(try store.index(split: "train").names == [
            "leftImg8bit_sequence/train/aachen/aachen_000000_000010", "leftImg8bit_sequence/train/aachen/aachen_000000_000013",
            "leftImg8bit_sequence/train/aachen/aachen_000004_000010"])
        let expected = FramePreprocessor(size: 4, channels: 3, resize: .crop).process(train[4].pixels, width: 16, height: 8, channels: 3)
        #expect(try store.readWindow(split: "train", sequence: 1, start: 1, length: 1) == expected)
    }

    @Test func hdf5ArraysOfRankFiveAndFour() throws {
        let folder = IOTestFolder()
        let path = folder.file("arrays.h5")
        let file = try HDF5File.create(path: path)
        let train = ioTestBytes(3 * 4 * 8 * 8 * 3, seed: 1), test = ioTestBytes(2 * 4 * 8 * 8 * 3, seed: 2)
        try file.write(train, shape: [3, 4, 8, 8, 3], to: "/train")
        try file.write(test, shape: [2, 4, 8, 8, 3], to: "/test")
        try file.close()
        let report = try DataImporter.importData(from: path, to: folder.file("s.h5"), options: importOptions())
        #expect(report.format == .hdf5 && report.sequenceCounts == ["train": 3, "test": 2])
        let store = try ClipStore(path: folder.file("s.h5"))
        #expect(try store.loadSplit("train").frames == train && store.loadSplit("test").frames == test)
        #expect(try store.index(split: "train").names == ["train[0]", "train[1]", "train[2]"])

        let gray = folder.file("gray.h5")
        let grayFile = try HDF5File.create(path: gray)
        let frames = ioTestBytes(10 * 5 * 8 * 8, seed: 3)
        try grayFile.write(frames, shape: [10, 5, 8, 8], to: "/data/video")
        try grayFile.close()
        try DataImporter.importData(from: gray, to: folder.file("g.h5"), options: importOptions())
        let grayStore = try ClipStore(path: folder.file("g.h5"))
        #expect(grayStore.metadata.channels == 1)
        #expect(try grayStore.index(split: "test").sequenceCount == 1 && grayStore.index(split: "train").sequenceCount == 9)
    }
}
