// Loading the metric fixtures written by Tools/metrics/make_metric_fixtures.py.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// An array in a metric fixture: shape and row-major values.
struct MetricArray: Decodable {
    var shape: [Int]
    var data: [Double]

    var tensor: Tensor { Tensor(shape: shape, scalars: data.map { Float($0) }) }
}

/// Whether the real-weight metric tests must run: under CI (`CI` set and not "false" or "0"), where the test
/// command has just run `zoo weights fetch`, a missing weight file fails those tests instead of skipping them.
let metricWeightsRequired: Bool = {
    guard let ci = ProcessInfo.processInfo.environment["CI"]?.lowercased(), !ci.isEmpty else { return false }
    return ci != "false" && ci != "0"
}()

/// Whether the tests of `kind`'s real network run: its converted weights are present, or CI requires them
/// (then loading them throws `MetricWeightsError.missing`, which fails the test with how to get them).
func realWeightTestsEnabled(_ kind: MetricWeightsKind) -> Bool {
    MetricWeights.isAvailable(kind) || metricWeightsRequired
}

/// Decodes `Fixtures/<name>` from the test bundle as `T`.
func loadMetricFixture<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch {
        fatalError("cannot read fixture \(url.path): \(error)")
    }
}

/// A fixture case that test output names by its `name`.
protocol NamedFixtureCase: Decodable, CustomTestStringConvertible {
    var name: String { get }
}

extension NamedFixtureCase {
    var testDescription: String { name }
}

/// The cases of a fixture file `{"cases": [...]}` in `Fixtures/<name>`.
func loadMetricCases<Case: Decodable>(_ name: String, as type: Case.Type = Case.self) -> [Case] {
    loadMetricFixture(name, as: CaseList<Case>.self).cases
}

private struct CaseList<Case: Decodable>: Decodable {
    var cases: [Case]
}

/// max |a − r| / max(|r|, floor) over the elements.
func maxRelativeError(_ actual: [Double], _ reference: [Double], floor: Double = 1e-12) -> Double {
    precondition(actual.count == reference.count, "\(actual.count) vs \(reference.count) values")
    var worst = 0.0
    for (a, r) in zip(actual, reference) { worst = Swift.max(worst, Swift.abs(a - r) / Swift.max(Swift.abs(r), floor)) }
    return worst
}

/// The fixture videos of `synth_video` in the script, uint8 [n, t, h, w, c]:
/// (3x + 2y + (5 + clip)·t + 60c + 37·clip + 11·seed + noise) mod 256, noise the top 5 bits of a 32-bit hash.
func synthVideo(n: Int, t: Int, h: Int, w: Int, c: Int, seed: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: n * t * h * w * c)
    var i = 0
    for clip in 0..<n { for time in 0..<t { for y in 0..<h { for x in 0..<w { for ch in 0..<c {
        let hash = UInt32(truncatingIfNeeded: UInt64(i + 1) &* 2_654_435_761 &+ UInt64(seed) &* 2_246_822_519)
        let noise = Int(hash >> 27)
        let v = 3 * x + 2 * y + (5 + clip) * time + 60 * ch + 37 * clip + 11 * seed + noise
        out[i] = UInt8(v % 256)
        i += 1
    } } } } }
    return out
}
