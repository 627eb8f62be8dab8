// ZooCore: the one import a model or a program needs. It re-exports the layers of the backend, each a
// target of its own so that no layer can reach into a higher one:
//
//     ZooTensor   tensors, kernels (OpenBLAS, elementwise, conv, norms), tape autodiff, machine facts
//     ZooNN       layers, functional ops, optimizers, diffusion schedules and samplers     (→ ZooTensor)
//     ZooData     HDF5 and PNG files, clip stores, datasets, importers, the batcher         (→ ZooTensor)
//     ZooMetrics  CRPS, PSNR, SSIM, LPIPS, FVD                                  (→ ZooNN, ZooData)
//     ZooRuntime  the VideoPredictor protocol and registry, checkpoints, the trainer, evaluation
//                                                                     (→ ZooNN, ZooData, ZooMetrics)
@_exported import ZooTensor
@_exported import ZooNN
@_exported import ZooData
@_exported import ZooMetrics
@_exported import ZooRuntime
