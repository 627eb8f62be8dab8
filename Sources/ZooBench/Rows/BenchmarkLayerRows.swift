// The conv3x3, GroupNorm + LeakyReLU and ConvGRU rows of `zoo bench` (same work as bench_torch.py).
import ZooCore
import ZooCLI
//
// Forward rows run without a tape (`noGrad`, like torch.no_grad()). Forward+backward rows record the
// forward pass and differentiate the output, seeded with a random upstream gradient, with respect to every
// input and parameter (like torch.autograd.grad(y, inputs, dy)).

extension Benchmark {
    /// Batch size of the layer rows.
    public static let layerBatch = 8

    /// The rows after sgemm: conv3x3 at four widths, GroupNorm(8) + LeakyReLU(0.2), a ConvGRU step.
    public static func layerRows() -> [BenchmarkRow] {
        var rows: [BenchmarkRow] = []
        for (channels, size) in [(48, 64), (96, 32), (192, 16), (384, 8)] {
            rows += pair("conv3x3 \(channels)ch \(size)x\(size) b\(layerBatch)") { rng in
                let x = randomTensor([layerBatch, channels, size, size], rng: &rng)
                let w = randomTensor([channels, channels, 3, 3], scale: 1 / Float(channels * 9).squareRoot(), rng: &rng)
                let b = randomTensor([channels], scale: 0.1, rng: &rng)
                return ([x, w, b], [], { t in conv2d(t[0], t[1], bias: t[2], padding: (1, 1)) })
            }
        }
        rows += pair("groupnorm8+leakyrelu 8x48x64x64") { rng in
            let x = randomTensor([layerBatch, 48, 64, 64], rng: &rng)
            let weight = randomTensor([48], scale: 0.1, rng: &rng) + 1
            let bias = randomTensor([48], scale: 0.1, rng: &rng)
            return ([x, weight, bias], [], { t in
                groupNormLeakyRelu(t[0], groups: 8, weight: t[1], bias: t[2], negativeSlope: 0.2)
            })
        }
        rows += pair("convgru 48ch 64x64 b\(layerBatch)") { rng in
            // RVD's cell (docs/models/rvd.md §3): [r, u] = σ(gates([x, h])), c̃ = tanh(cand([x, r ⊙ h])),
            // h' = (1 − u) ⊙ h + u ⊙ c̃, with 3×3 convolutions (48+48 → 96 and 48+48 → 48).
            let cell = ConvGRUCell(inputChannels: 48, hiddenChannels: 48, kernelSize: 3, rng: &rng)
            let x = randomTensor([layerBatch, 48, 64, 64], rng: &rng)
            let h = randomTensor([layerBatch, 48, 64, 64], rng: &rng)
            return ([x, h], cell.parameters.map(\.value), { t in cell(t[0], state: t[1]) })
        }
        return rows
    }

    /// What a layer row's factory returns: the inputs `f` takes, parameters `f` already holds (tape leaves,
    /// differentiated too), and `f`.
    typealias LayerWork = (inputs: [Tensor], parameters: [Tensor], f: ([Tensor]) -> Tensor)

    /// A forward row and a forward+backward row for the work `make` draws (seed fixed per row).
    static func pair(_ name: String, _ make: @escaping (inout RandomGenerator) -> LayerWork) -> [BenchmarkRow] {
        let forward = BenchmarkRow(id: "\(name) fwd") {
            var rng = RandomGenerator(seed: 1)
            let work = make(&rng)
            return { _ = noGrad { work.f(work.inputs) } }
        }
        let backward = BenchmarkRow(id: "\(name) fwd+bwd") {
            var rng = RandomGenerator(seed: 1)
            let work = make(&rng)
            let inputs = work.inputs.map { $0.requiringGrad() }
            let dy = randomTensor(noGrad { work.f(work.inputs) }.shape, rng: &rng)
            return { _ = gradients(of: work.f(inputs), wrt: inputs + work.parameters, seed: dy) }
        }
        return [forward, backward]
    }
}
