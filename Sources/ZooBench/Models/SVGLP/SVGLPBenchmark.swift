// `zoo bench --model svg-lp`: SVG-LP's training step at the official architecture (`bair64-lstm`), at the
// RVD paper's ConvLSTM variant (`bair64`) and at `cpu`, against github.com/edenton/svg
// (Tools/bench/bench_svglp_torch.py). The official code has no ConvLSTM: for `bair64` and `cpu` the script
// builds zoo's variant in PyTorch from the official layer types (see docs/benchmarks.md).

import Foundation
import SVGLP
import ZooCore
import ZooCLI

struct SVGLPBenchmark: PresetTrainBenchmark {
    let name = "svg-lp"
    let referenceRepository = "github.com/edenton/svg"
    let referenceMarker = "models/lstm.py"
    let torchScript = "bench_svglp_torch.py"

    /// `bair64-lstm` at batch 2 (the official batch is 100; 2 is the smallest batch its BatchNorm on the
    /// encoder's 1x1 output trains with) and `bair64` at batch 1 (the paper's batch is 32), both on 6-frame
    /// clips (the presets train on 12 and 20; a step's time grows linearly with the clip, and the full
    /// clips take minutes per step on two shared cores); `cpu` at its own batch and clip length.
    func rows(quick: Bool) -> [ModelBenchRow] {
        [
            row("bair64-lstm", batch: 2, frames: 6, repetitions: 3, quick: quick),
            row("bair64", batch: 1, frames: 6, repetitions: 3, quick: quick),
            row("cpu", batch: SVGLPConfig.cpu.batchSize, frames: SVGLPConfig.cpu.trainClipLength, repetitions: 5,
                quick: quick),
        ]
    }

    var presets: KeyValuePairs<String, SVGLPConfig> { SVGLPConfig.presets }

    func makeModel(_ config: SVGLPConfig, rng: inout RandomGenerator) throws -> any VideoPredictor {
        SVGLP(config: config, rng: &rng)
    }
}
