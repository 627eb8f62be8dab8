// Tensor basics, broadcasting, movement kernels, the random generator and the tape's memory behaviour.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Suite struct TensorBasics {
    @Test func broadcastShapes() {
        #expect(Shape.broadcast([2, 3, 4], [4]) == [2, 3, 4])
        #expect(Shape.broadcast([3, 1], [1, 4]) == [3, 4])
        #expect(Shape.broadcast([], [2, 2]) == [2, 2])
        #expect(Shape.strides([2, 3, 4]) == [12, 4, 1])
    }

    @Test func broadcastingArithmeticMatchesLoops() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { _ in rng.normal() })
        let b = Tensor(shape: [3, 1], scalars: [1, 2, 3])
        let c = a * b - b
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            let idx = i * 12 + j * 4 + k
            #expect(c.scalars[idx] == a.scalars[idx] * Float(j + 1) - Float(j + 1))
        } } }
        let row = Tensor([10, 20, 30, 40])
        #expect((Tensor.zeros([2, 4]) + row).scalars == [10, 20, 30, 40, 10, 20, 30, 40])
        #expect((2 / Tensor([1, 4])).scalars == [2, 0.5])
    }

    @Test func permuteSliceConcatPadFlip() {
        let x = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(x.permuted(1, 0).scalars == [0, 3, 1, 4, 2, 5])
        #expect(x.sliced(axis: 1, 1..<3).scalars == [1, 2, 4, 5])
        #expect(concat([x, x.sliced(axis: 1, 0..<1)], axis: 1).scalars == [0, 1, 2, 0, 3, 4, 5, 3])
        #expect(x.padded([(0, 0), (1, 0)], value: 9).scalars == [9, 0, 1, 2, 9, 3, 4, 5])
        #expect(x.flipped(axes: [0, 1]).scalars == [5, 4, 3, 2, 1, 0])
        #expect(stack([x, x], axis: 0).shape == [2, 2, 3])
        let big = Tensor(shape: [2, 3, 4, 5], scalars: (0..<120).map(Float.init))
        let p = big.permuted(3, 1, 0, 2)
        #expect(p.shape == [5, 3, 2, 4])
        // p[a, b, c, d] = big[c, b, d, a]
        let pIndex: Int = ((4 * 3 + 2) * 2 + 1) * 4 + 3
        let bigIndex: Int = ((1 * 3 + 2) * 4 + 3) * 5 + 4
        #expect(p.scalars[pIndex] == big.scalars[bigIndex])
    }

    @Test func reductions() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 2, 7, 0, 3])
        #expect(x.sum().item == 18)
        #expect(x.sum(axis: 0).scalars == [8, 5, 5])
        #expect(x.sum(axis: 1, keepDims: true).shape == [2, 1])
        #expect(x.max(axis: 1).scalars == [5, 7])
        #expect(x.min(axes: [0]).scalars == [1, 0, 2])
        #expect(Swift.abs(x.mean().item - 3) < 1e-6)
        #expect(Swift.abs(Tensor([1, 2, 3, 4]).variance(unbiased: true).item - 5.0 / 3.0) < 1e-6)
        // Large reductions split across threads agree with a Double reference.
        var rng = RandomGenerator(seed: 1)
        let big = Tensor(shape: [3, 200_000], scalars: (0..<600_000).map { _ in rng.uniform() })
        let values = big.scalars
        let ref = (0..<3).map { r in (0..<200_000).reduce(0.0) { $0 + Double(values[r * 200_000 + $1]) } }
        for (got, want) in zip(big.sum(axis: 1).scalars, ref) { #expect(Swift.abs(Double(got) - want) / want < 1e-5) }
    }

    @Test func reshapeSharesStorageAndInfersAxis() {
        let x = Tensor(shape: [2, 6], scalars: (0..<12).map(Float.init))
        let y = x.reshaped([3, -1])
        #expect(y.shape == [3, 4])
        #expect(y.storage === x.storage)
        #expect(x.flattened().shape == [12])
        #expect(x.unsqueezed(1).shape == [2, 1, 6])
    }
}

@Suite struct RandomGeneratorTests {
    @Test func seededStreamsAreReproducibleAndDistinct() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let sa = (0..<8).map { _ in a.normal() }, sb = (0..<8).map { _ in b.normal() }, sc = (0..<8).map { _ in c.normal() }
        #expect(sa == sb)
        #expect(sa != sc)
    }

    @Test func stateRoundTripResumesExactly() {
        var a = RandomGenerator(seed: 9)
        _ = a.normal()  // leaves a cached spare normal
        var b = RandomGenerator(stateWords: a.stateWords)
        #expect((0..<5).map { _ in a.normal() } == (0..<5).map { _ in b.normal() })
        #expect(a.uniform() == b.uniform())
    }

    @Test func momentsAreRight() {
        var rng = RandomGenerator(seed: 5)
        let n = 200_000
        let normals = (0..<n).map { _ in Double(rng.normal()) }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        #expect(Swift.abs(mean) < 0.01)
        #expect(Swift.abs(variance - 1) < 0.02)
        let uniforms = (0..<n).map { _ in rng.uniform() }
        #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Swift.abs(uniforms.reduce(0, +) / Float(n) - 0.5) < 0.01)
        let heads = (0..<n).reduce(0) { acc, _ in acc + Int(rng.bernoulli(0.3)) }
        #expect(Swift.abs(Double(heads) / Double(n) - 0.3) < 0.01)
    }
}

@Suite struct TapeTests {
    @Test func noGradAndDetachRecordNothing() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        #expect((x * x).requiresGrad)
        #expect(!noGrad { x * x }.requiresGrad)
        #expect(!(x.detached() * 2).requiresGrad)
        let g = gradients(of: (x.detached() * x).sum(), wrt: [x])[0]
        #expect(g.scalars == [1, 2, 3])
    }

    @Test func gradientAccumulatesOverReuse() {
        let x = Tensor([3]).requiringGrad()
        let y = x * x + x * 2 + exp(x * 0)
        #expect(gradients(of: y.sum(), wrt: [x])[0].scalars == [8])
    }

    @Test func unusedInputGetsZeros() {
        let x = Tensor([1, 2]).requiringGrad(), z = Tensor([5]).requiringGrad()
        #expect(gradients(of: (x * 3).sum(), wrt: [z])[0].scalars == [0])
    }

    @Test func tapeIsReleasedAfterBackward() {
        // The nodes of a consumed graph must die: weak references to them go nil once the loss is gone,
        // and even while the loss is still held (the backward pass frees the graph it consumed).
        weak var inner: Node?
        let loss: Tensor = {
            let x = Tensor(shape: [4], scalars: [1, 2, 3, 4]).requiringGrad()
            let h = tanh(x * x)
            inner = h.node
            let l = (h * 2).sum()
            _ = gradients(of: l, wrt: [x])
            return l
        }()
        #expect(inner == nil, "backward left interior nodes alive")
        _ = loss
    }

    @Test func retainedGraphCanBeDifferentiatedTwice() {
        let x = Tensor([2]).requiringGrad()
        let y = (x * x * x).sum()
        let g1 = gradients(of: y, wrt: [x], retainGraph: true)[0]
        let g2 = gradients(of: y, wrt: [x])[0]
        #expect(g1.scalars == [12])
        #expect(g2.scalars == [12])
    }

    @Test func secondDerivativeOfCube() {
        let x = Tensor([2]).requiringGrad()
        let dy = gradients(of: (x * x * x).sum(), wrt: [x], createGraph: true)[0]
        #expect(dy.requiresGrad)
        #expect(gradients(of: dy.sum(), wrt: [x])[0].scalars == [12])
    }
}

@Suite struct BLASSelectionTests {
    @Test func openBLASLoadsAndMultiplies() {
        let a = Tensor(shape: [64, 32], scalars: (0..<2048).map { Float($0 % 7) - 3 })
        let b = Tensor(shape: [32, 16], scalars: (0..<512).map { Float($0 % 5) - 2 })
        let c = matmul(a, b)
        for i in [0, 17, 63] { for j in [0, 9, 15] {
            var ref: Float = 0
            for k in 0..<32 { ref += a.scalars[i * 32 + k] * b.scalars[k * 16 + j] }
            #expect(c.scalars[i * 16 + j] == ref)
        } }
    }

    @Test func kernelChoiceFollowsCPUFeaturesAndRespectsUser() {
        let features = Set(BLAS.cpuFeatures)
        let recommended = BLAS.recommendedCoreType
        let avx512 = ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"].allSatisfy(features.contains)
        if avx512 {
            #expect(["SkylakeX", "Cooperlake"].contains(recommended))
        } else if features.isSuperset(of: ["avx2", "fma"]) {
            #expect(["Haswell", "Zen"].contains(recommended))
        } else {
            #expect(recommended.isEmpty)
        }
        // A value set before zoo loaded OpenBLAS is never overridden.
        let env = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        switch BLAS.coreTypeSource {
        case "user": #expect(BLAS.coreType == env)
        case "zoo": #expect(BLAS.coreType == recommended)
        default: #expect(recommended.isEmpty)
        }
        // OpenBLAS must not be running its SSE3 fallback on a CPU with AVX2.
        if features.contains("avx2") && BLAS.coreTypeSource != "user" { #expect(BLAS.coreName != "Prescott") }
    }

    @Test func symmetricEigenDecomposition() throws {
        let m: [Double] = [4, 1, 0, 1, 3, 1, 0, 1, 2]
        let (values, vectors) = try BLAS.symmetricEigen(m, n: 3)
        #expect(values == values.sorted())
        // A v = λ v for each eigenpair (vectors are columns of the row-major result).
        for k in 0..<3 {
            for i in 0..<3 {
                let av = (0..<3).reduce(0.0) { $0 + m[i * 3 + $1] * vectors[$1 * 3 + k] }
                #expect(Swift.abs(av - values[k] * vectors[i * 3 + k]) < 1e-10)
            }
        }
    }
}
