// Every kind of bad import input gets an error naming the file and the problem, and leaves no store.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Suite struct BadInputIOTests {
    @Test func corruptAndTruncatedPNGs() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("src/a"), count: 4, width: 32, height: 32, seed: 1)
        let victim = folder.file("src/a/frame1002.png")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try bytes.prefix(bytes.count - 200).write(to: URL(fileURLWithPath: victim))
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(), file: victim, containing: "truncated")

        var damaged = [UInt8](bytes)
        for i in 70..<90 { damaged[i] ^= 0xFF }
        try Data(damaged).write(to: URL(fileURLWithPath: victim))
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(), file: victim, containing: "corrupt")

        try Data("GIF89a....".utf8).write(to: URL(fileURLWithPath: victim))
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(), file: victim, containing: "not a PNG")
    }

    @Test func mixedFrameSizesInASequence() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("src/a"), count: 4, width: 8, height: 8, seed: 1)
        let odd = folder.file("src/a/frame1002.png")
        try PNGImage(width: 9, height: 8, channels: 3, pixels: ioTestBytes(9 * 8 * 3, seed: 2)).write(to: odd)
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(), file: odd,
                            containing: "is 9x8, but the sequence's first frame frame1000.png is 8x8")
    }

    @Test func sequencesShorterThanAClip() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("src/long"), count: 5, seed: 1)
        try writePNGSequence(folder.file("src/short"), count: 2, seed: 2)
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(clipLength: 3),
                            file: folder.file("src/short"), containing: "has 2 frames, fewer than the clip length 3")
        let options = importOptions(clipLength: 3) { $0.skipShort = true; $0.testFraction = 0 }
        let report = try DataImporter.importData(from: folder.file("src"), to: folder.file("ok.h5"), options: options)
        #expect(report.sequenceCounts == ["train": 1])
        #expect(report.skipped == ["\(folder.file("src/short")): 2 frames, fewer than the clip length 3"])
    }

    @Test func emptyFoldersAndSourcesWithoutFrames() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("src/a"), count: 3, seed: 1)
        try FileManager.default.createDirectory(atPath: folder.file("src/b"), withIntermediateDirectories: true)
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(), file: folder.file("src/b"),
                            containing: "empty folder")

        try FileManager.default.createDirectory(atPath: folder.file("nothing"), withIntermediateDirectories: true)
        expectImportFailure(folder.file("nothing"), in: folder, options: importOptions(), file: folder.file("nothing"),
                            containing: "found no PNG frames")
        expectImportFailure(folder.file("nothing"), in: folder, options: importOptions { $0.format = .pngFolders },
                            file: folder.file("nothing"), containing: "empty folder")
        expectImportFailure(folder.file("missing"), in: folder, options: importOptions(), file: folder.file("missing"),
                            containing: "no such file or folder")

        try writePNGSequence(folder.file("jpegs/a"), count: 1, seed: 1, name: { "f\($0).jpg" })
        expectImportFailure(folder.file("jpegs"), in: folder, options: importOptions { $0.format = .pngFolders },
                            file: folder.file("jpegs/a/f0.jpg"), containing: "only PNG frames")
    }

    @Test func frameNamesWithoutNumbersOrWithDuplicates() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("src/a"), count: 3, seed: 1)
        try writePNGSequence(folder.file("src/a"), count: 1, seed: 2, name: { _ in "cover.png" })
        expectImportFailure(folder.file("src"), in: folder, options: importOptions(), file: folder.file("src/a/cover.png"),
                            containing: "frame name without a number")

        try writePNGSequence(folder.file("dup/a"), count: 3, seed: 1, name: { "x\($0).png" })
        try writePNGSequence(folder.file("dup/a"), count: 1, seed: 2, name: { _ in "y1.png" })
        expectImportFailure(folder.file("dup"), in: folder, options: importOptions(), file: folder.file("dup/a/y1.png"),
                            containing: "same frame number (1)")
    }

    @Test func hdf5ArraysOfTheWrongRankTypeOrShape() throws {
        let folder = IOTestFolder()
        func arrayFile(_ name: String, _ body: (HDF5File) throws -> Void) throws -> String {
            let path = folder.file(name)
            let file = try HDF5File.create(path: path)
            try body(file)
            try file.close()
            return path
        }
        let rank3 = try arrayFile("rank3.h5") { try $0.write(ioTestBytes(64, seed: 1), shape: [4, 4, 4], to: "/video") }
        expectImportFailure(rank3, in: folder, options: importOptions(), file: "\(rank3) (dataset /video)",
                            containing: "has rank 3")
        let floats = try arrayFile("float.h5") { try $0.write([Float](repeating: 0.5, count: 192), shape: [1, 3, 8, 8], to: "/video") }
        expectImportFailure(floats, in: folder, options: importOptions(), file: "\(floats) (dataset /video)",
                            containing: "holds float32 values; frames must be uint8")
        let channels = try arrayFile("c7.h5") { try $0.write(ioTestBytes(3 * 8 * 8 * 7, seed: 1), shape: [1, 3, 8, 8, 7], to: "/video") }
        expectImportFailure(channels, in: folder, options: importOptions(), file: "\(channels) (dataset /video)",
                            containing: "is not a channel count")
        let several = try arrayFile("several.h5") {
            try $0.write(ioTestBytes(192, seed: 1), shape: [1, 3, 8, 8], to: "/a")
            try $0.write(ioTestBytes(192, seed: 1), shape: [1, 3, 8, 8], to: "/b")
        }
        expectImportFailure(several, in: folder, options: importOptions(), file: several, containing: "choose one with --dataset")
        expectImportFailure(several, in: folder, options: importOptions { $0.hdf5Dataset = "/c" }, file: "\(several) (dataset /c)",
                            containing: "no such dataset")
        let notHDF5 = folder.file("fake.h5")
        try Data("nope".utf8).write(to: URL(fileURLWithPath: notHDF5))
        expectImportFailure(notHDF5, in: folder, options: importOptions(), file: notHDF5, containing: "not an HDF5 file")
    }

    @Test func cityscapesWithAMissingFrame() throws {
        let folder = IOTestFolder()
        let dir = folder.file("cs/leftImg8bit_sequence/train/ulm")
        try writePNGSequence(dir, count: 5, seed: 1, name: { "ulm_000001_00000\($0)_leftImg8bit.png" })
        let options = importOptions(size: 4) { $0.snippetLength = 3 }
        expectImportFailure(folder.file("cs"), in: folder, options: options, file: dir + "/ulm_000001_000000_leftImg8bit.png",
                            containing: "run of 5 consecutive frames, not a whole number of 3-frame snippets")
    }

    @Test func badOptionsAndExistingStores() throws {
        let folder = IOTestFolder()
        try writePNGSequence(folder.file("src/a"), count: 3, seed: 1)
        expectImportFailure(folder.file("src"), in: folder, options: importOptions { $0.channels = 2 },
                            file: folder.file("src"), containing: "channels must be 1 or 3")
        let store = folder.file("s.h5")
        try DataImporter.importData(from: folder.file("src"), to: store, options: importOptions())
        #expect(throws: ClipStoreError.self) {
            try DataImporter.importData(from: folder.file("src"), to: store, options: importOptions())
        }
        try DataImporter.importData(from: folder.file("src"), to: store, options: importOptions { $0.overwrite = true })
    }
}
