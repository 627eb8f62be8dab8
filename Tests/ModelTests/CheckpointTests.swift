// HDF5 checkpoints: the layout, strict loading with one error listing every problem, non-strict
// loading, foreign and damaged files, and atomic writes.
import Baselines
import Foundation
import Testing
import ZooCore

private func convgru(_ preset: String = "tiny", seed: UInt64 = 1) throws -> any VideoPredictor {
    var rng = RandomGenerator(seed: seed)
    return try ConvGRUPredictor.entry.make(preset, &rng)
}

@Suite struct CheckpointTests {
    @Test func layoutFollowsTheDocumentedNames() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try convgru()
        let optimizers = model.makeOptimizers(learningRate: 1e-3)
        var rng = RandomGenerator(seed: 0)
        _ = model.trainStep(try testBatch(model.contract, length: 5), optimizers: optimizers, step: 0, rng: &rng)
        var checkpoint = try Checkpoint.capture(model, preset: "tiny", step: 1, seed: 7,
                                                ema: EMA(decay: 0.9, parameters: model.namedParameters()),
                                                optimizers: optimizers)
        checkpoint.rngState = rng.stateWords
        checkpoint.batcherStep = 1
        checkpoint.batcherSeed = 5
        let path = folder.file("c.h5")
        try checkpoint.write(to: path)

        let file = try HDF5File(path: path)
        defer { try? file.close() }
        #expect(try file.stringAttribute("format") == "zoo")
        #expect(try file.intAttribute("formatVersion") == 1)
        #expect(try file.stringAttribute("model") == "convgru")
        #expect(try file.stringAttribute("preset") == "tiny")
        #expect(try file.intAttribute("step") == 1)
        #expect(try file.intAttribute("seed") == 7)
        #expect(try file.stringAttribute("zooVersion") == ZooVersion.current)
        let config = try JSONSerialization.jsonObject(with: Data(try file.stringAttribute("config").utf8)) as? [String: Any]
        #expect(config?["hidden"] as? Int == 4)
        #expect(file.kind(of: "/params/encoderIn.weight") == .dataset)
        #expect(file.kind(of: "/ema/params/cell.conv_gates.0.bias") == .dataset)
        #expect(file.kind(of: "/optim/model/decoderOut.weight/exp_avg_sq") == .dataset)
        #expect(try file.intAttribute("step", of: "/optim/model") == 1)
        #expect(try file.attribute("lr", of: "/optim/model")?.doubleValue == 1e-3)
        #expect(try file.read(UInt64.self, from: "/rng/trainer").values == rng.stateWords)
        #expect(try file.intAttribute("step", of: "/batcher") == 1)
        let weight = try file.read(Float.self, from: "/params/encoderIn.weight")
        #expect(weight.shape == [4, 1, 3, 3])
        #expect(weight.values == model.namedParameters().first { $0.0 == "encoderIn.weight" }!.1.value.scalars)
    }

    @Test func strictLoadListsEveryMissingUnexpectedAndMisshapedName() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try convgru()
        var checkpoint = try Checkpoint.capture(model, preset: "tiny")
        checkpoint.parameters["encoderIn.weights"] = checkpoint.parameters.removeValue(forKey: "encoderIn.weight")
        checkpoint.parameters["decoderOut.bias"] = Tensor.zeros([7])
        checkpoint.parameters.removeValue(forKey: "decoderUp.bias")
        let path = folder.file("edited.h5")
        try checkpoint.write(to: path)
        let read = try Checkpoint.read(from: path)
        let fresh = try convgru(seed: 2)
        let before = fresh.namedParameters().map { $0.1.value.scalars }
        do {
            try read.load(into: fresh, file: path)
            Issue.record("a strict load of an edited checkpoint succeeded")
        } catch let error as CheckpointError {
            guard case let .stateMismatch(file, model, preset, missing, unexpected, misshaped) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(file == path && model == "convgru" && preset == "tiny")
            #expect(missing == ["params/decoderUp.bias", "params/encoderIn.weight"])
            #expect(unexpected == ["params/encoderIn.weights"])
            #expect(misshaped == ["params/decoderOut.bias: checkpoint [7] vs model [1]"])
            let text = error.description
            #expect(text.contains("missing (2)") && text.contains("unexpected (1)") && text.contains("wrong shape (1)"))
        }
        #expect(fresh.namedParameters().map { $0.1.value.scalars } == before, "a failed load must change nothing")

        // Non-strict: what fits is loaded, the rest reported.
        let report = try read.load(into: fresh, file: path, strict: false)
        #expect(report.missing.count == 2 && report.unexpected.count == 1 && report.misshaped.count == 1)
        let loaded = fresh.namedParameters().first { $0.0 == "cell.conv_gates.0.weight" }!.1.value
        #expect(identical(loaded, checkpoint.parameters["cell.conv_gates.0.weight"]!))
    }

    /// A tensor with the right number of values in another layout (a conv weight stored with its axes
    /// reversed, as a converter that forgets a transpose would) is the wrong shape too, not loadable data.
    @Test func aWeightInAnotherLayoutWithTheSameCountIsMisshaped() throws {
        let model = try convgru()
        var checkpoint = try Checkpoint.capture(model, preset: "tiny")
        let name = "cell.conv_gates.0.weight"
        let weight = try #require(checkpoint.parameters[name])
        let swapped = Array(weight.shape.reversed())
        try #require(swapped != weight.shape)
        checkpoint.parameters[name] = weight.reshaped(swapped)
        let report = checkpoint.mismatches(with: try convgru(seed: 2))
        #expect(report.misshaped == ["params/\(name): checkpoint \(swapped) vs model \(weight.shape)"], "\(report.misshaped)")
        #expect(report.missing.isEmpty && report.unexpected.isEmpty)
    }

    @Test func anotherModelOrShapeIsAClearError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("cpu.h5")
        try Checkpoint.capture(try convgru("cpu"), preset: "cpu").write(to: path)
        let stored = try Checkpoint.read(from: path)
        #expect(throws: CheckpointError.wrongModel(file: path, found: "convgru", expected: "copy-last")) {
            try stored.load(into: CopyLast(config: .tiny), file: path)
        }
        do {
            try stored.load(into: try convgru("tiny"), file: path)
            Issue.record("a cpu checkpoint loaded into a tiny model")
        } catch let error as CheckpointError {
            #expect(error.description.contains("preset 'cpu'") && error.description.contains("wrong shape"))
        }
        // Through the registry, the stored config rebuilds the right model.
        let model = try defaultRegistryForTests.model(from: stored, file: path)
        #expect(model.contract == ConvGRUConfig.cpu.contract)
    }

    @Test func missingDamagedAndForeignFilesAreNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: CheckpointError.missing(file: folder.file("none.h5"))) { try Checkpoint.read(from: folder.file("none.h5")) }

        let text = folder.file("text.h5")
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        expectUnreadable(text)

        let good = folder.file("good.h5")
        try Checkpoint.capture(try convgru(), preset: "tiny").write(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = folder.file("truncated.h5")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        expectUnreadable(truncated)

        let foreign = folder.file("foreign.h5")
        let file = try HDF5File.create(path: foreign)
        try file.write([1, 2] as [Float], shape: [2], to: "/x")
        try file.close()
        expectUnreadable(foreign, containing: "format")

        let newer = folder.file("newer.h5")
        try Checkpoint.capture(try convgru(), preset: "tiny").write(to: newer)
        let edit = try HDF5File(path: newer, mode: .readWrite)
        try edit.setAttribute("formatVersion", .int(99))
        try edit.close()
        #expect(throws: CheckpointError.newerFormat(file: newer, version: 99)) { try Checkpoint.read(from: newer) }
    }

    @Test func aWriteThatFailsPartWayLeavesTheEarlierFileIntact() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("last.h5")
        let model = try convgru()
        let first = try Checkpoint.capture(model, preset: "tiny", step: 1)
        try first.write(to: path)
        let second = try Checkpoint.capture(try convgru(seed: 9), preset: "tiny", step: 2)
        #expect(throws: CheckpointError.self) {
            try second.write(to: path) { written in if written == 3 { throw CocoaError(.fileWriteOutOfSpace) } }
        }
        let read = try Checkpoint.read(from: path)
        #expect(read.step == 1)
        for (name, value) in first.parameters { #expect(identical(value, read.parameters[name]!)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["last.h5"])
        // A stray temporary file (a crash mid-write) does not disturb reading.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder.file(".last.h5.tmp-1-2")))
        #expect(try Checkpoint.read(from: path).step == 1)
        // An unwritable destination is a clear error too.
        #expect(throws: CheckpointError.self) { try first.write(to: folder.file("no/such/folder/c.h5")) }
    }

    private func expectUnreadable(_ path: String, containing text: String? = nil,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Checkpoint.read(from: path)
            Issue.record("\(path) was read", sourceLocation: sourceLocation)
        } catch let error as CheckpointError {
            guard case let .unreadable(file, reason) = error else {
                Issue.record("wrong error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(file == path, sourceLocation: sourceLocation)
            if let text { #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// The default registry (imported through the suite's helpers).
let defaultRegistryForTests = registryUnderTest
