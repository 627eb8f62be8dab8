// Loading PyTorch reference fixtures (Tools/fixtures/make_fixtures.py) and comparing against them.
//
// Error metric, the same as the script's `relative_error`: for actual a and reference r (float64),
//     error = max over elements of |a − r| / max(|r|, 0.01 · max|r| over the tensor).
// With the 1e-4 tolerance, elements at least 1% of the tensor's largest magnitude are held to 1e-4 relative,
// smaller ones to 1e-6 of the largest (numpy's allclose with rtol 1e-4 and atol 1e-6·max|r|). PyTorch's own
// float32 result stays under 1.1e-5 on every fixture by this measure (`torch_float32_error` in the JSON).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// A tensor in a fixture: row-major data with its shape.
struct FixtureTensor: Decodable, Sendable {
    var shape: [Int]
    var data: [Double]

    /// The values as a ZooCore tensor (inputs are float32 values in the JSON, so this is exact for them).
    var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
}

/// A config value: the script writes numbers, booleans, strings and integer lists.
enum FixtureValue: Decodable, Sendable {
    case number(Double)
    case bool(Bool)
    case string(String)
    case list([Double])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .list(try c.decode([Double].self)) }
    }

    var double: Double? { if case .number(let d) = self { d } else { nil } }
    var int: Int? { double.map { Int($0) } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var ints: [Int]? { if case .list(let l) = self { l.map { Int($0) } } else { nil } }
}

/// One case: inputs, the upstream gradient of each output, and PyTorch's outputs and input gradients.
struct FixtureCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var config: [String: FixtureValue]
    var inputs: [String: FixtureTensor]
    var upstream: [String: FixtureTensor]
    var outputs: [String: FixtureTensor]
    var grads: [String: FixtureTensor]
    /// PyTorch float32 against the float64 reference, per "output.<name>" / "grad.<name>".
    var torch_float32_error: [String: Double]

    var testDescription: String { name }

    func input(_ key: String) -> Tensor {
        guard let t = inputs[key] else { fatalError("fixture \(name) has no input \(key)") }
        return t.tensor
    }

    func ints(_ key: String) -> [Int] {
        guard let v = config[key]?.ints else { fatalError("fixture \(name) has no integer list \(key)") }
        return v
    }

    func pair(_ key: String) -> (Int, Int) {
        let v = ints(key)
        precondition(v.count == 2, "\(name): \(key) is not a pair")
        return (v[0], v[1])
    }

    func triple(_ key: String) -> (Int, Int, Int) {
        let v = ints(key)
        precondition(v.count == 3, "\(name): \(key) is not a triple")
        return (v[0], v[1], v[2])
    }

    func number(_ key: String) -> Double {
        guard let v = config[key]?.double else { fatalError("fixture \(name) has no number \(key)") }
        return v
    }
}

/// A fixture file as written by the script.
struct FixtureFile: Decodable, Sendable {
    var torch_version: String
    var generated_by: String
    var reference_dtype: String
    var cases: [FixtureCase]
}

/// Reads `Fixtures/<name>` from the test bundle.
func loadFixture(_ name: String) -> FixtureFile {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    do {
        return try JSONDecoder().decode(FixtureFile.self, from: Data(contentsOf: url))
    } catch {
        fatalError("cannot read fixture \(url.path): \(error)")
    }
}

/// The cases of a fixture file whose names start with `prefix` (for `@Test(arguments:)`).
func fixtureCases(_ file: String, prefix: String = "") -> [FixtureCase] {
    loadFixture(file).cases.filter { $0.name.hasPrefix(prefix) }
}

/// max |a − r| / max(|r|, floorFraction · max|r|), computed in Double.
func fixtureRelativeError(_ actual: [Float], _ reference: [Double], floorFraction: Double = 1e-2) -> Double {
    precondition(actual.count == reference.count, "count \(actual.count) != \(reference.count)")
    let scale = reference.reduce(0) { max($0, abs($1)) }
    let floor = max(floorFraction * scale, Double.leastNormalMagnitude)
    var worst = 0.0
    for (a, r) in zip(actual, reference) {
        let e = abs(Double(a) - r) / max(abs(r), floor)
        if !(e <= worst) { worst = e.isNaN ? .infinity : e }
    }
    return worst
}

/// Checks one tensor against its reference; returns the error. Failures point at the caller.
@discardableResult
func expectClose(_ actual: Tensor, _ reference: FixtureTensor, tolerance: Double = 1e-4, _ what: String,
                 fileID: String = #fileID, filePath: String = #filePath, line: Int = #line,
                 column: Int = #column) -> Double {
    let location = SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column)
    guard actual.shape == reference.shape else {
        Issue.record("\(what): shape \(actual.shape), PyTorch \(reference.shape)", sourceLocation: location)
        return .infinity
    }
    let err = fixtureRelativeError(actual.scalars, reference.data)
    #expect(err <= tolerance, "\(what): max relative error \(err) > \(tolerance)", sourceLocation: location)
    return err
}

/// Runs `f` on the case's inputs, differentiates Σₒ sum(upstream[o] ⊙ o) with respect to every input the
/// fixture has a gradient for, and checks outputs and gradients. Returns the error of each
/// "output.<name>" and "grad.<name>", and prints one summary line.
///
/// Inputs with a gradient are tape leaves. `f` may replace an entry of its `inout` dictionary with the
/// leaf it really used (a `Parameter` makes a fresh leaf when assigned), and gradients are taken with
/// respect to the dictionary's entries after `f` returns.
@discardableResult
func checkAgainstFixture(_ c: FixtureCase, tolerance: Double = 1e-4,
                         fileID: String = #fileID, filePath: String = #filePath, line: Int = #line,
                         column: Int = #column,
                         _ f: (inout [String: Tensor]) -> [String: Tensor]) -> [String: Double] {
    var inputs: [String: Tensor] = [:]
    for (key, value) in c.inputs { inputs[key] = c.grads[key] == nil ? value.tensor : value.tensor.requiringGrad() }
    let outputs = f(&inputs)
    var errors: [String: Double] = [:]
    let location = SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column)
    for key in c.outputs.keys.sorted() {
        guard let y = outputs[key] else {
            Issue.record("\(c.name): no output \(key)", sourceLocation: location)
            continue
        }
        errors["output.\(key)"] = expectClose(y.detached(), c.outputs[key]!, tolerance: tolerance,
                                              "\(c.name) output \(key)", fileID: fileID,
                                              filePath: filePath, line: line, column: column)
    }
    let gradKeys = c.grads.keys.sorted()
    if !gradKeys.isEmpty {
        var objective: Tensor?
        for key in c.upstream.keys.sorted() {
            guard let y = outputs[key] else { continue }
            let term = (y * c.upstream[key]!.tensor).sum()
            objective = objective.map { $0 + term } ?? term
        }
        let grads = gradients(of: objective!, wrt: gradKeys.map { inputs[$0]! })
        for (key, g) in zip(gradKeys, grads) {
            errors["grad.\(key)"] = expectClose(g, c.grads[key]!, tolerance: tolerance, "\(c.name) grad \(key)",
                                                fileID: fileID, filePath: filePath, line: line, column: column)
        }
    }
    let worst = errors.max { $0.value < $1.value }
    print("fixture \(c.name): worst \(worst.map { "\($0.key) \($0.value)" } ?? "-") over \(errors.count) tensors")
    return errors
}

@Test(arguments: ["conv.json", "norm.json", "recurrent.json", "optim.json"])
func fixtureFileIsReadable(_ file: String) {
    let fixture = loadFixture(file)
    #expect(fixture.generated_by == "Tools/fixtures/make_fixtures.py")
    #expect(!fixture.torch_version.isEmpty)
    #expect(!fixture.cases.isEmpty)
    for c in fixture.cases {
        for (key, t) in c.inputs.merging(c.outputs, uniquingKeysWith: { a, _ in a }) {
            #expect(t.shape.reduce(1, *) == t.data.count, "\(c.name) \(key): shape and data disagree")
        }
        // The 1e-4 budget is meant for our arithmetic; PyTorch's float32 must leave most of it unused.
        for (key, e) in c.torch_float32_error { #expect(e < 2e-5, "\(c.name) \(key): torch float32 error \(e)") }
    }
}

/// The metric itself: a wrong element is caught, tiny references are judged against the floor.
@Test func fixtureErrorMetricCatchesMismatches() {
    let reference: [Double] = [2, -1, 0.5, 0.001, 0]
    #expect(fixtureRelativeError(reference.map { Float($0) }, reference) < 1e-7)
    // 2.0004 vs 2: 2e-4 relative.
    #expect(abs(fixtureRelativeError([2.0004, -1, 0.5, 0.001, 0], reference) - 2e-4) < 1e-6)
    // Off by 1e-5 where the reference is 0: judged against the floor 0.01 · 2, so 5e-4.
    #expect(abs(fixtureRelativeError([2, -1, 0.5, 0.001, 1e-5], reference) - 5e-4) < 1e-6)
    #expect(fixtureRelativeError([2, -1, .nan, 0.001, 0], reference) == .infinity)
}
