// Reference values for the unit tests whose expected numbers come from PyTorch: written by
// Tools/fixtures/pasted_reference.py (through `python Tools/fixtures/make_fixtures.py`) into
// Fixtures/reference_values.json, one entry per name ("<area>.<case>.<what>"; the script lists the inputs).

import Foundation

private struct ReferenceValuesFile: Decodable {
    var values: [String: FixtureTensor]
}

private let referenceValuesTable: [String: FixtureTensor] = {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("reference_values.json")
    do {
        return try JSONDecoder().decode(ReferenceValuesFile.self, from: Data(contentsOf: url)).values
    } catch {
        fatalError("cannot read fixture \(url.path): \(error)")
    }
}()

/// The reference tensor `name` of reference_values.json, as float64 values in row-major order.
func referenceDoubles(_ name: String) -> [Double] {
    guard let value = referenceValuesTable[name] else {
        fatalError("reference_values.json has no \(name): regenerate it with python Tools/fixtures/make_fixtures.py")
    }
    return value.data
}

/// The reference tensor `name`, rounded to Float.
func referenceValues(_ name: String) -> [Float] { referenceDoubles(name).map { Float($0) } }

/// A scalar reference value.
func referenceScalar(_ name: String) -> Double {
    let values = referenceDoubles(name)
    precondition(values.count == 1, "\(name) holds \(values.count) values, not one")
    return values[0]
}
