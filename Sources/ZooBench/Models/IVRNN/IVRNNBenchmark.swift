// `zoo bench --model ivrnn`: IVRNN's training step at the released single-level model (`bair64-vrnn`) and
// at `cpu`, against github.com/facebookresearch/improved_vrnn (Tools/bench/bench_ivrnn_torch.py).

import Foundation
import IVRNN
import ZooCore
import ZooCLI

struct IVRNNBenchmark: PresetTrainBenchmark {
    let name = "ivrnn"
    let referenceRepository = "github.com/facebookresearch/improved_vrnn"
    let referenceMarker = "models/vrnn.py"
    let torchScript = "bench_ivrnn_torch.py"

    /// `bair64-vrnn` at batch 1 on 4-frame clips (2 context + 2 predicted; the preset trains batch 16 on
    /// 12 frames, which takes minutes per step on two shared cores; a step's time grows linearly with
    /// the predicted frames); `cpu` at its own batch and clip length.
    /// The official architecture is written for 64x64 frames with fixed widths, so `cpu` (32x32, four
    /// levels) has no PyTorch counterpart.
    func rows(quick: Bool) -> [ModelBenchRow] {
        [
            row("bair64-vrnn", batch: 1, frames: 4, repetitions: 3, quick: quick),
            row("cpu", batch: IVRNNConfig.cpu.batchSize, frames: IVRNNConfig.cpu.trainClipLength, repetitions: 5,
                quick: quick,
                torchMissing: "the official vrnn is written for 64x64 frames and fixed widths; it cannot build cpu"),
        ]
    }

    var presets: KeyValuePairs<String, IVRNNConfig> { IVRNNConfig.presets }

    func makeModel(_ config: IVRNNConfig, rng: inout RandomGenerator) throws -> any VideoPredictor {
        IVRNN(config: config, rng: &rng)
    }
}
