// What the GAN parity tests (RetroGANTests, DVDGANTests) share: the fixture format of Tools/gans/*.py,
// the weight and input formula both sides compute (Tools/gans/common.py), and the relative L2 error.
import Foundation
import Testing
import ZooCore

/// A tensor stored in a GAN fixture.
struct GANFixtureTensor: Decodable {
    var shape: [Int]
    var values: [Double]
    var tensor: Tensor { Tensor(shape: shape, scalars: values.map { Float($0) }) }
}

/// A parameter the script filled: its (reference) name, shape and position in the sorted name list.
struct GANFixtureEntry: Decodable {
    var name: String
    var shape: [Int]
    var p: Int
}

/// Loads `Fixtures/<name>.json` of the test bundle.
func loadGANFixture<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile)
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// u in [−1, 1) for element k of a tensor at position p (common.py's hash).
@inline(__always) func fixtureHash(_ k: Int, _ p: Int) -> Double {
    let h = (UInt64(k) &* 2_654_435_761 &+ UInt64(p) &* 40503 &+ 12345) % (1 << 32)
    return Double(h) / 4_294_967_296.0 * 2 - 1
}

/// common.formula_values: rank ≥ 2: u·√(3/∏shape[1...]); rank 1: 0.1·u (float64, rounded to float32).
func fixtureWeight(shape: [Int], p: Int) -> Tensor {
    let n = shape.reduce(1, *)
    let scale = shape.count >= 2 ? (3 / Double(shape.dropFirst().reduce(1, *))).squareRoot() : 0.1
    return Tensor(shape: shape, scalars: (0..<n).map { Float(fixtureHash($0, p) * scale) })
}

/// common.seeded_input: u itself, as float32.
func fixtureInput(shape: [Int], seed: Int) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float(fixtureHash($0, seed)) })
}

/// common.varied_input: the flat tensor cut into `groups` equal runs; with u = fixtureHash(k, seed) and
/// (g, o) the first and second half of fixtureHash(0..<2·groups, seed + 1), element k of run j is
/// scale·(u·(1.5 + g_j) + o_j) (float64, rounded to float32).
func fixtureVariedInput(shape: [Int], seed: Int, groups: Int, scale: Double) -> Tensor {
    let n = shape.reduce(1, *)
    precondition(groups >= 1 && n % groups == 0, "\(n) elements do not split into \(groups) groups")
    let run = n / groups
    let go = (0..<(2 * groups)).map { fixtureHash($0, seed + 1) }
    return Tensor(shape: shape, scalars: (0..<n).map { k in
        let j = k / run
        return Float(scale * (fixtureHash(k, seed) * (1.5 + go[j]) + go[groups + j]))
    })
}

/// Sets every fixture entry on `module` by name (parameters or buffers); returns the names the module
/// lacks or whose shapes differ (empty when the names and shapes match the reference's).
@discardableResult
func fillFromFixture(_ module: any Module, _ entries: [GANFixtureEntry]) -> [String] {
    let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
    let buffers = Dictionary(uniqueKeysWithValues: module.namedBuffers())
    var problems: [String] = []
    for e in entries {
        let value = fixtureWeight(shape: e.shape, p: e.p)
        if let p = params[e.name], p.shape == e.shape {
            p.value = value
        } else if let b = buffers[e.name], b.shape == e.shape {
            b.value = value
        } else {
            problems.append("\(e.name) \(e.shape)")
        }
    }
    return problems
}

/// ‖a − r‖₂ / ‖r‖₂ against a float64 reference (shapes must agree).
func relativeL2(_ actual: Tensor, _ reference: GANFixtureTensor) -> Double {
    precondition(actual.shape == reference.shape, "shape \(actual.shape) vs reference \(reference.shape)")
    var d2 = 0.0, r2 = 0.0
    for (a, r) in zip(actual.scalars, reference.values) {
        d2 += (Double(a) - r) * (Double(a) - r)
        r2 += r * r
    }
    return (d2 / Swift.max(r2, 1e-300)).squareRoot()
}

/// The relative L2 error of the deviations from the mean (how the outputs differ between inputs), for
/// outputs whose mean dominates their variation.
func centeredRelativeL2(_ actual: Tensor, _ reference: GANFixtureTensor) -> Double {
    let a = actual.scalars.map(Double.init), r = reference.values
    let ma = a.reduce(0, +) / Double(a.count), mr = r.reduce(0, +) / Double(r.count)
    var d2 = 0.0, r2 = 0.0
    for (x, y) in zip(a, r) {
        d2 += ((x - ma) - (y - mr)) * ((x - ma) - (y - mr))
        r2 += (y - mr) * (y - mr)
    }
    return (d2 / Swift.max(r2, 1e-300)).squareRoot()
}

/// Bad input for a GAN in the registry (RetroGANTests, DVDGANTests, FutureGANTests): an unknown preset, a
/// config that cannot work (stored in a checkpoint), another model's checkpoint, the same model's
/// checkpoint from another preset and one with a parameter missing each give an error that names it.
func checkGANBadInput(_ name: String, foreign: String, larger: String) throws {
    let entry = try registryUnderTest.entry(named: name)
    var rng = RandomGenerator(seed: 1)
    #expect(throws: PredictorError.unknownPreset(model: name, preset: "nope", known: entry.presetNames)) {
        _ = try entry.make("nope", &rng)
    }
    let model = try entry.make("tiny", &rng)

    // A stored config with batchSize 0.
    var json = try #require(try JSONSerialization.jsonObject(with: model.configJSON()) as? [String: Any])
    json["batchSize"] = 0
    do {
        _ = try entry.load(try JSONSerialization.data(withJSONObject: json), &rng)
        Issue.record("\(name): a config with batchSize 0 loaded")
    } catch let error as PredictorError {
        guard case .invalidConfig(let text) = error else { Issue.record("\(name): \(error)"); return }
        #expect(text.contains(name) && text.contains("batchSize"), "\(name): \(text)")
    }

    let other = try registryUnderTest.entry(named: foreign).make("tiny", &rng)
    #expect(throws: CheckpointError.wrongModel(file: "other.h5", found: foreign, expected: name)) {
        try Checkpoint.capture(other, preset: "tiny").load(into: model, file: "other.h5")
    }
    let bigger = try entry.make(larger, &rng)
    do {
        try Checkpoint.capture(bigger, preset: larger).load(into: model, file: "big.h5")
        Issue.record("\(name): a \(larger) checkpoint loaded into a tiny model")
    } catch let error as CheckpointError {
        #expect(error.description.contains("big.h5") && error.description.contains("preset '\(larger)'")
                && error.description.contains("wrong shape"), "\(name): \(error)")
    }
    var cut = try Checkpoint.capture(model, preset: "tiny")
    let dropped = try #require(cut.parameters.keys.sorted().first)
    cut.parameters.removeValue(forKey: dropped)
    do {
        try cut.load(into: model, file: "cut.h5")
        Issue.record("\(name): a checkpoint without \(dropped) loaded")
    } catch let error as CheckpointError {
        #expect(error.description.contains(dropped) && error.description.contains("missing (1)"), "\(name): \(error)")
    }
}
