// The clip store: layout, windows from disk and from memory, atomic writes, and damaged stores.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

func testStoreMetadata(height: Int = 4, width: Int = 5, channels: Int = 3, clipLength: Int = 2) -> ClipStoreMetadata {
    ClipStoreMetadata(source: "unit test", sourceFormat: "png-folders", height: height, width: width,
                      channels: channels, clipLength: clipLength, evalSplit: "val", splitRule: "folders",
                      resize: "crop", extra: ["note": .string("hello")])
}

@Suite struct ClipStoreIOTests {
    @Test func writeReadWindowsAndLoadSplits() throws {
        let folder = IOTestFolder()
        let path = folder.file("store.h5")
        let m = testStoreMetadata()
        let frame = m.frameByteCount
        let a = ioTestBytes(3 * frame, seed: 1), b = ioTestBytes(5 * frame, seed: 2), c = ioTestBytes(2 * frame, seed: 3)
        let writer = try ClipStoreWriter(path: path, metadata: m)
        try writer.append(split: "train", name: "seq/a", frames: a)
        try writer.append(split: "val", name: "seq/c", frames: c)
        try writer.append(split: "train", name: "seq/b", frames: b)
        try writer.setEvalStartFrame(1, split: "val")
        #expect(!FileManager.default.fileExists(atPath: path))  // nothing at the destination before finish
        #expect(FileManager.default.fileExists(atPath: writer.temporaryPath))
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: writer.temporaryPath))

        let store = try ClipStore(path: path)
        #expect(store.metadata == m)
        #expect(store.splitNames == ["train", "val"])
        let train = try store.index(split: "train")
        #expect(train.offsets == [0, 3] && train.lengths == [3, 5] && train.names == ["seq/a", "seq/b"])
        #expect(train.frameCount == 8 && train.byteCount == 8 * frame)
        #expect(train.valueRange == Int((a + b).min()!)...Int((a + b).max()!))
        #expect(try store.index(split: "val").evalStartFrame == 1)
        #expect(try store.readWindow(split: "train", sequence: 1, start: 2, length: 3) == Array(b[(2 * frame)...]))
        #expect(try store.readWindow(split: "val", sequence: 0, start: 0, length: 2) == c)

        let memory = try store.loadSplit("train")
        #expect(memory.frames == a + b)
        #expect(Array(memory.window(sequence: 0, start: 1, length: 2)) == Array(a[frame...]))

        // Both views conform to the batcher's source protocol and agree.
        for source in [try store.split("train") as any VideoSequenceSource, memory, try store.source(split: "train")] {
            #expect(source.sequenceCount == 2 && source.frameCount(ofSequence: 1) == 5)
            #expect(source.height == 4 && source.width == 5 && source.channels == 3)
            var out = [UInt8](repeating: 0, count: 2 * frame)
            try out.withUnsafeMutableBufferPointer { try source.copyFrames(sequence: 1, start: 1, count: 2, into: $0.baseAddress!) }
            #expect(out == Array(b[frame..<(3 * frame)]))
        }

        let outside = #expect(throws: ClipStoreError.self) {
            _ = try store.readWindow(split: "train", sequence: 0, start: 2, length: 2)
        }
        #expect(outside?.file == path)
        let noSplit = #expect(throws: ClipStoreError.self) { _ = try store.index(split: "test") }
        #expect(noSplit?.message == "no split \"test\" (the store has train, val)")
    }

    @Test func storeIsPlainHDF5WithTheDocumentedLayout() throws {
        let folder = IOTestFolder()
        let path = folder.file("plain.h5")
        let writer = try ClipStoreWriter(path: path, metadata: testStoreMetadata(channels: 1), gzipLevel: nil)
        try writer.append(split: "test", name: "x", frames: ioTestBytes(40, seed: 5))
        try writer.finish()
        let file = try HDF5File(path: path)
        #expect(try file.stringAttribute("format") == "zoo-clips")
        #expect(try file.intAttribute("formatVersion") == 1)
        #expect(try file.stringAttribute("note") == "hello")
        #expect(try file.datasetPaths() == ["/splits/test/frames", "/splits/test/lengths", "/splits/test/names",
                                            "/splits/test/offsets"])
        #expect(try file.openDataset("/splits/test/frames").shape == [2, 4, 5, 1])
        #expect(try file.intAttribute("frameCount", of: "/splits/test") == 2)
        #expect(try file.read(Int64.self, from: "/splits/test/lengths").values == [2])
    }

    @Test func interruptedWritesLeaveNoStore() throws {
        let folder = IOTestFolder()
        let path = folder.file("store.h5")
        var temporary = ""
        do {
            let writer = try ClipStoreWriter(path: path, metadata: testStoreMetadata())
            temporary = writer.temporaryPath
            try writer.append(split: "train", name: "a", frames: ioTestBytes(120, seed: 1))
            // dropped without finish(), as when an import throws half way
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: temporary))

        let empty = try ClipStoreWriter(path: path, metadata: testStoreMetadata())
        let nothing = #expect(throws: ClipStoreError.self) { try empty.finish() }
        #expect(nothing?.message.contains("no sequences") == true)
        #expect(!FileManager.default.fileExists(atPath: path))

        // A half-written temporary file (what a killed process leaves) is not a store.
        let killed = try ClipStoreWriter(path: path, metadata: testStoreMetadata())
        try killed.append(split: "train", name: "a", frames: ioTestBytes(120, seed: 1))
        let partial = folder.file("partial-copy.h5")
        try FileManager.default.copyItem(atPath: killed.temporaryPath, toPath: partial)
        killed.abandon()
        let incomplete = #expect(throws: ClipStoreError.self) { _ = try ClipStore(path: partial) }
        #expect(incomplete?.message.hasPrefix("cannot read the clip store") == true)  // truncated mid-write

        // A complete HDF5 file with the layout but without the `format` attribute is not a store either.
        let unmarked = try HDF5File.create(path: folder.file("unmarked.h5"))
        try unmarked.write(ioTestBytes(60, seed: 1), shape: [1, 4, 5, 3], to: "/splits/train/frames")
        try unmarked.close()
        let notStore = #expect(throws: ClipStoreError.self) { _ = try ClipStore(path: unmarked.path) }
        #expect(notStore?.message.contains("not a zoo clip store") == true)
    }

    @Test func badWritesAreRefused() throws {
        let folder = IOTestFolder()
        let path = folder.file("store.h5")
        let writer = try ClipStoreWriter(path: path, metadata: testStoreMetadata(clipLength: 3))
        let short = #expect(throws: ClipStoreError.self) {
            try writer.append(split: "train", name: "clips/short", frames: ioTestBytes(2 * 60, seed: 1))
        }
        #expect(short?.message == "sequence clips/short has 2 frames, fewer than the clip length 3")
        #expect(throws: ClipStoreError.self) { try writer.append(split: "train", name: "odd", frames: ioTestBytes(61, seed: 1)) }
        try writer.append(split: "train", name: "ok", frames: ioTestBytes(3 * 60, seed: 1))
        try writer.finish()
        let exists = #expect(throws: ClipStoreError.self) {
            _ = try ClipStoreWriter(path: path, metadata: testStoreMetadata())
        }
        #expect(exists?.message.contains("already exists") == true)
        _ = try ClipStoreWriter(path: path, metadata: testStoreMetadata(), overwrite: true)
        let noFolder = #expect(throws: ClipStoreError.self) {
            _ = try ClipStoreWriter(path: folder.path + "/missing/s.h5", metadata: testStoreMetadata())
        }
        #expect(noFolder?.message.contains("does not exist") == true)
    }

    @Test func damagedStoresAreReported() throws {
        let folder = IOTestFolder()
        let path = folder.file("store.h5")
        let writer = try ClipStoreWriter(path: path, metadata: testStoreMetadata())
        try writer.append(split: "train", name: "a", frames: ioTestBytes(3 * 60, seed: 1))
        try writer.finish()
        let file = try HDF5File(path: path, mode: .readWrite)
        try file.remove("/splits/train/lengths")
        try file.write([9] as [Int64], shape: [1], to: "/splits/train/lengths")
        try file.close()
        let error = #expect(throws: ClipStoreError.self) { _ = try ClipStore(path: path) }
        #expect(error?.message.contains("lies outside the 3 frames") == true)

        let text = folder.file("x.h5")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: text))
        let junk = #expect(throws: ClipStoreError.self) { _ = try ClipStore(path: text) }
        #expect(junk?.description == "\(text): cannot read the clip store: not an HDF5 file")
    }
}
