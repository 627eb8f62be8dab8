// The HDF5 wrapper: typed datasets, hyperslabs, growable compressed datasets, attributes, listing,
// and errors that name the file and the object.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Suite struct HDF5IOTests {
    @Test func datasetsRoundTripWithShapesAndTypes() throws {
        let folder = IOTestFolder()
        let path = folder.file("a.h5")
        let file = try HDF5File.create(path: path)
        let floats: [Float] = (0..<24).map { Float($0) * 0.25 - 3 }
        try file.write(floats, shape: [2, 3, 4], to: "/params/encoder/conv1/weight")
        try file.write([1, 2, 250] as [UInt8], shape: [3], to: "bytes")
        try file.write([-5, Int64.max] as [Int64], shape: [2], to: "/params/step")
        try file.write([2.5] as [Double], shape: [], to: "/scalar")
        try file.write(["train", "naïve ünïcode", ""], to: "/names")
        try file.createGroup("/empty/inner")
        try file.close()

        let reader = try HDF5File(path: path)
        let (values, shape) = try reader.read(Float.self, from: "params/encoder/conv1/weight")
        #expect(values == floats && shape == [2, 3, 4])
        #expect(try reader.read(UInt8.self, from: "/bytes").values == [1, 2, 250])
        #expect(try reader.read(Int64.self, from: "/params/step").values == [-5, Int64.max])
        let scalar = try reader.read(Double.self, from: "/scalar")
        #expect(scalar.values == [2.5] && scalar.shape == [])
        #expect(try reader.readStrings(from: "/names") == ["train", "naïve ünïcode", ""])
        #expect(try reader.children() == ["bytes", "empty", "names", "params", "scalar"])
        #expect(try reader.children(of: "/params") == ["encoder", "step"])
        #expect(try reader.datasetPaths() == ["/bytes", "/names", "/params/encoder/conv1/weight", "/params/step", "/scalar"])
        #expect(reader.kind(of: "/empty/inner") == .group)
        #expect(reader.kind(of: "/bytes") == .dataset)
        #expect(reader.kind(of: "/nothing/here") == nil)
        #expect(try reader.openDataset("/bytes").elementType.description == "uint8")
    }

    @Test func growableCompressedDatasetAndHyperslabs() throws {
        let folder = IOTestFolder()
        let path = folder.file("frames.h5")
        let file = try HDF5File.create(path: path)
        let frames = try file.createDataset("/frames", of: UInt8.self, shape: [0, 4, 5, 1],
                                            options: HDF5DatasetOptions(chunks: [1, 4, 5, 1], gzipLevel: 4,
                                                                        maxShape: [nil, 4, 5, 1]))
        let first = ioTestBytes(3 * 20, seed: 1), second = ioTestBytes(2 * 20, seed: 2)
        try frames.extend(to: [3, 4, 5, 1])
        try frames.write(first, start: [0, 0, 0, 0], count: [3, 4, 5, 1])
        try frames.extend(to: [5, 4, 5, 1])
        try frames.write(second, start: [3, 0, 0, 0], count: [2, 4, 5, 1])
        #expect(frames.maxShape == [nil, 4, 5, 1])
        #expect(frames.chunks == [1, 4, 5, 1])
        try file.close()

        let reader = try HDF5File(path: path)
        let dataset = try reader.openDataset("frames")
        #expect(dataset.shape == [5, 4, 5, 1])
        #expect(try dataset.read(UInt8.self) == first + second)
        #expect(try dataset.read(UInt8.self, start: [2, 0, 0, 0], count: [2, 4, 5, 1])
                == Array(first[40...] + second[..<20]))
        // A box inside one frame: rows 1-2, columns 3-4 of frame 4.
        let box = try dataset.read(UInt8.self, start: [4, 1, 3, 0], count: [1, 2, 2, 1])
        #expect(box == [second[20 + 8], second[20 + 9], second[20 + 13], second[20 + 14]])
        let outside = #expect(throws: HDF5Error.self) {
            _ = try dataset.read(UInt8.self, start: [4, 0, 0, 0], count: [2, 4, 5, 1])
        }
        #expect(outside?.object == "/frames")
        #expect(outside?.message.contains("outside the shape") == true)
        #expect(throws: HDF5Error.self) { try dataset.extend(to: [5, 4, 6, 1]) }
    }

    @Test func attributesOnRootGroupsAndDatasets() throws {
        let folder = IOTestFolder()
        let path = folder.file("attrs.h5")
        let file = try HDF5File.create(path: path)
        try file.write([0] as [Float], shape: [1], to: "/g/d")
        try file.setAttribute("format", .string("zoo"))
        try file.setAttribute("step", .int(1200))
        try file.setAttribute("lr", .double(1e-4))
        try file.setAttribute("sizes", .ints([64, 64, 3]), on: "/g")
        try file.setAttribute("betas", .doubles([0.9, 0.999]), on: "/g/d")
        try file.setAttribute("tags", .strings(["a", "b"]), on: "/g/d")
        try file.setAttribute("step", .int(1300))  // replaces
        try file.close()

        let reader = try HDF5File(path: path)
        #expect(try reader.attributeNames() == ["format", "lr", "step"])
        #expect(try reader.stringAttribute("format") == "zoo")
        #expect(try reader.intAttribute("step") == 1300)
        #expect(try reader.attribute("lr") == .double(1e-4))
        #expect(try reader.attribute("sizes", of: "g") == .ints([64, 64, 3]))
        #expect(try reader.attributes(of: "/g/d") == ["betas": .doubles([0.9, 0.999]), "tags": .strings(["a", "b"])])
        #expect(try reader.attribute("missing") == nil)
        let wrongType = #expect(throws: HDF5Error.self) { _ = try reader.intAttribute("format") }
        #expect(wrongType?.message.contains("not an integer") == true)
        let noObject = #expect(throws: HDF5Error.self) { _ = try reader.attribute("x", of: "/nope") }
        #expect(noObject?.object == "/nope")
    }

    @Test func errorsNameFileAndObject() throws {
        let folder = IOTestFolder()
        let path = folder.file("e.h5")
        let file = try HDF5File.create(path: path)
        try file.write([1, 2] as [UInt8], shape: [2], to: "/frames")
        let taken = #expect(throws: HDF5Error.self) { try file.write([1] as [UInt8], shape: [1], to: "/frames") }
        #expect(taken?.description == "\(path): /frames: already exists")
        #expect(throws: HDF5Error.self) { try file.write([1, 2, 3] as [Float], shape: [2], to: "/short") }
        try file.close()
        #expect(throws: HDF5Error.self) { try file.createGroup("/late") }

        let reader = try HDF5File(path: path)
        let wrongType = #expect(throws: HDF5Error.self) { _ = try reader.read(Float.self, from: "/frames") }
        #expect(wrongType?.description == "\(path): /frames: stored as uint8, cannot be read as float32")
        let missing = #expect(throws: HDF5Error.self) { _ = try reader.openDataset("/params/w") }
        #expect(missing?.description == "\(path): /params/w: no such dataset")
        #expect(throws: HDF5Error.self) { try reader.write([1] as [UInt8], shape: [1], to: "/ro") }  // read-only

        let noFile = #expect(throws: HDF5Error.self) { _ = try HDF5File(path: folder.file("none.h5")) }
        #expect(noFile?.message == "no such file")
        let text = folder.file("text.h5")
        try Data("not hdf5 at all".utf8).write(to: URL(fileURLWithPath: text))
        let notHDF5 = #expect(throws: HDF5Error.self) { _ = try HDF5File(path: text) }
        #expect(notHDF5?.message == "not an HDF5 file")
        #expect(!HDF5File.isHDF5(path: text) && HDF5File.isHDF5(path: path))

        // A truncated file: the signature is there, the rest is not.
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = folder.file("cut.h5")
        try whole.prefix(whole.count / 3).write(to: URL(fileURLWithPath: cut))
        let truncated = #expect(throws: HDF5Error.self) {
            let damaged = try HDF5File(path: cut)
            _ = try damaged.read(UInt8.self, from: "/frames")
        }
        #expect(truncated?.file == cut)
    }

    @Test func defaultChunksStayUnderOneMebibyte() {
        #expect(hdf5DefaultChunks(shape: [0, 64, 64, 3], elementBytes: 1) == [1, 64, 64, 3])
        let big = hdf5DefaultChunks(shape: [1000, 512, 512], elementBytes: 4)
        #expect(big.reduce(4, *) <= 1 << 20 && big[2] == 512)
        #expect(hdf5NormalizedPath("a//b/") == "/a/b" && hdf5NormalizedPath("") == "/")
    }
}
