// The row maximum over the last axis (softmax's), which runs in eight lanes, against a plain loop.
import Testing
@testable import ZooTensor

@Test func rowMaximumOverTheLastAxisMatchesAPlainLoop() {
    var rng = RandomGenerator(seed: 21)
    for length in [16, 17, 23, 64, 70, 1024] {
        let outer = 5
        var x = (0..<(outer * length)).map { _ in rng.uniform(-3, 3) }
        x[2 * length + length - 1] = .nan        // a NaN in the scalar tail of row 2 (or its last lane)
        x[3 * length + 3] = .nan                 // a NaN in the lanes of row 3
        for i in 0..<length { x[4 * length + i] = -.infinity }
        x[4 * length + length / 2] = 7           // row 4: one finite value among -inf
        var out = [Float](repeating: 0, count: outer)
        Kernels.maxMiddle(x, outer: outer, r: length, inner: 1, into: &out)
        for o in 0..<outer {
            let row = x[(o * length)..<((o + 1) * length)]
            if row.contains(where: \.isNaN) {
                #expect(out[o].isNaN, "length \(length) row \(o)")
            } else {
                #expect(out[o] == row.max()!, "length \(length) row \(o)")
            }
        }
    }
}
