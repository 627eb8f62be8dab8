// Gradcheck rows for pooling and resizing primitives, and the gather / scatter / adjoint ops their
// gradients are recorded with.

@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func one(_ name: String, _ op: Op, _ shape: [Int], _ f: @escaping @Sendable (Tensor) -> Tensor) -> GradcheckCase {
    GradcheckCase(name: name, op: op, inputs: [GradInput(shape: shape)]) { f($0[0]) }
}

/// An index map with repeats and a −1 (gather reads zero there, scatter drops it): 2 planes, 6 → 5.
private let testMap: PlaneIndexMap = {
    let map = PlaneIndexMap(planes: 2, inputPlane: 6, outputPlane: 5, shared: false)
    for (i, v) in [3, 0, 3, -1, 5, 1, 1, 2, 4, 0].enumerated() { map.indices[i] = Int32(v) }
    return map
}()

private let avgGeometry = poolGeometry(Tensor.zeros([1, 2, 5, 4]), kernel: [3, 3], stride: [2, 2], padding: .same,
                                       rank: 2, name: "test")

let poolCases: [GradcheckCase] = [
    // max pooling
    one("maxPool2d 2x2", .maxPool2d, [1, 2, 4, 4]) { maxPool2d($0, kernel: (2, 2)) }.kinked,
    one("maxPool2d 3x3 stride 2 padding 1", .maxPool2d, [1, 1, 5, 5]) { maxPool2d($0, kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }.kinked,
    one("maxPool2d SAME 3x3 stride 2, batch 2", .maxPool2d, [2, 1, 4, 5]) { maxPool2d($0, kernel: (3, 3), stride: (2, 2), padding: .same) }.kinked,
    one("maxPool2d non-square 2x3 stride (1,2)", .maxPool2d, [1, 2, 3, 6]) { maxPool2d($0, kernel: (2, 3), stride: (1, 2)) }.kinked,
    one("maxPool3d 2x2x2", .maxPool3d, [1, 1, 4, 4, 4]) { maxPool3d($0, kernel: (2, 2, 2)) }.kinked,
    one("maxPool3d SAME (1,3,3) stride (1,2,2)", .maxPool3d, [1, 2, 2, 4, 4]) {
        maxPool3d($0, kernel: (1, 3, 3), stride: (1, 2, 2), padding: .same)
    }.kinked,
    one("maxPool3d SAME 3x3x3 stride 2", .maxPool3d, [1, 1, 3, 4, 4]) { maxPool3d($0, kernel: (3, 3, 3), stride: (2, 2, 2), padding: .same) }.kinked,
    one("maxPool (2nd order through scatter)", .maxPool2d, [1, 1, 4, 4]) { x in
        let y = maxPool2d(x, kernel: (2, 2))
        return y * y
    }.kinked,
    // average pooling
    one("avgPool2d 2x2", .avgPool2d, [1, 2, 4, 4]) { avgPool2d($0, kernel: (2, 2)) },
    one("avgPool2d 3x3 stride 2 padding 1 (count pad)", .avgPool2d, [1, 1, 5, 5]) {
        avgPool2d($0, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    },
    one("avgPool2d 3x3 stride 2 padding 1 (exclude pad)", .avgPool2d, [1, 1, 5, 5]) {
        avgPool2d($0, kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false)
    },
    one("avgPool2d SAME 3x3 stride 2, batch 2", .avgPool2d, [2, 1, 4, 5]) { avgPool2d($0, kernel: (3, 3), stride: (2, 2), padding: .same) },
    one("avgPool3d 2x2x2 stride 1 padding (0,1,1)", .avgPool3d, [1, 1, 3, 3, 3]) {
        avgPool3d($0, kernel: (2, 2, 2), stride: (1, 1, 1), padding: (0, 1, 1))
    },
    one("avgPool3d SAME (2,3,3) stride (1,2,2)", .avgPool3d, [1, 2, 2, 4, 4]) {
        avgPool3d($0, kernel: (2, 3, 3), stride: (1, 2, 2), padding: .same)
    },
    one("avgPoolBackward (SAME 3x3 stride 2)", .avgPoolBackward, [1, 2, 3, 2]) {
        avgPoolAdjoint($0, avgGeometry, includePad: false, shape: [1, 2, 5, 4], rank: 2)
    },
    // gather / scatter
    one("gatherIndices (repeats, −1)", .gatherIndices, [2, 6]) { gatherIndices($0, testMap, outputShape: [2, 5]) },
    one("scatterIndices (repeats, −1)", .scatterIndices, [2, 5]) { scatterIndices($0, testMap, shape: [2, 6]) },
    // resizing
    one("resizeNearest 3x3 → 5x4", .resizeNearest, [1, 2, 3, 3]) { resizeNearest($0, size: (5, 4)) },
    one("resizeNearest 4x6 → 3x2 (down)", .resizeNearest, [2, 1, 4, 6]) { resizeNearest($0, size: (3, 2)) },
    one("upsampleNearest ×2", .resizeNearest, [1, 2, 3, 3]) { upsampleNearest($0, scale: 2) },
    one("upsampleNearest 3-D ×2", .resizeNearest, [1, 1, 2, 2, 3]) { upsampleNearest($0, scale: 2) },
    one("resizeBilinear 3x4 → 5x7", .resizeBilinear, [1, 2, 3, 4]) { resizeBilinear($0, size: (5, 7)) },
    one("resizeBilinear 6x6 → 4x3 (down)", .resizeBilinear, [1, 1, 6, 6]) { resizeBilinear($0, size: (4, 3)) },
    one("resizeBilinear alignCorners 3x4 → 5x6", .resizeBilinear, [2, 1, 3, 4]) { resizeBilinear($0, size: (5, 6), alignCorners: true) },
    one("resizeBilinear alignCorners 4x4 → 3x1 (down)", .resizeBilinear, [1, 2, 4, 4]) { resizeBilinear($0, size: (3, 1), alignCorners: true) },
    one("resizeBilinearBackward 5x7 → 3x4", .resizeBilinearBackward, [1, 2, 5, 7]) {
        resizeBilinearAdjoint($0, rows: LinearAxisTable(inputSize: 3, outputSize: 5, alignCorners: false),
                              columns: LinearAxisTable(inputSize: 4, outputSize: 7, alignCorners: false))
    },
]
