package ml

import "fmt"

// Large is the GB-scale workload of issue 23: 124 packages installed at first, about 1.55 GB
// of modules and libraries, 20 of them 16 MiB or more (a torch of 360 MiB, a triton, ten
// nvidia-* libraries of 20 to 200 MiB, scipy, pyarrow, opencv...), sized after a CUDA
// PyTorch environment scaled down by about three (its nvidia-* wheels alone install some
// 3 GB), with the long tail of small pure-Python packages such an environment pulls in: more
// packages than plan.MaxDepLayers, so the layout's groups meet it. Names are made up ("mlb-").
var Large = largeTable()

func largeTable() []Pkg {
	versions := func(base string, n int) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("%s.%d", base, i))
		}
		return out
	}
	one := func(name, v string, mib, py float64) Pkg {
		return Pkg{Name: name, Versions: []string{v}, MiB: mib, PyShare: py}
	}
	t := []Pkg{
		{Name: "mlb-torch-cu", Versions: versions("2.5", 3), MiB: 360, PyShare: 0.05, Role: RoleBig},
		one("mlb-triton", "3.1.0", 90, 0.08),
		one("mlb-nvidia-cudnn-cu12", "9.1.0", 200, 0),
		one("mlb-nvidia-cublas-cu12", "12.4.5", 150, 0),
		one("mlb-nvidia-cusparse-cu12", "12.3.1", 70, 0),
		one("mlb-nvidia-cufft-cu12", "11.2.1", 60, 0),
		one("mlb-nvidia-cusolver-cu12", "11.6.1", 55, 0),
		one("mlb-nvidia-nccl-cu12", "2.21.5", 50, 0),
		one("mlb-nvidia-cusparselt-cu12", "0.6.2", 45, 0),
		one("mlb-nvidia-cuda-nvrtc-cu12", "12.4.127", 25, 0),
		one("mlb-nvidia-curand-cu12", "10.3.5", 20, 0),
		one("mlb-nvidia-nvjitlink-cu12", "12.4.127", 20, 0),
		one("mlb-nvidia-cuda-cupti-cu12", "12.4.127", 5, 0.02),
		one("mlb-nvidia-cuda-runtime-cu12", "12.4.127", 2, 0.02),
		one("mlb-nvidia-nvtx-cu12", "12.4.127", 0.5, 0.05),
		one("mlb-opencv-python-headless", "4.10.0", 40, 0.02),
		one("mlb-scipy", "1.11.4", 38, 0.12),
		one("mlb-pyarrow", "14.0.2", 30, 0.04),
		one("mlb-xformers", "0.0.28", 30, 0.05),
		one("mlb-pandas", "2.1.4", 24, 0.25),
		one("mlb-scikit-learn", "1.3.2", 20, 0.20),
		one("mlb-torchvision-cu", "0.20.1", 18, 0.10),
		one("mlb-numpy", "1.26.4", 16, 0.15),
		one("mlb-transformers", "4.36.2", 9, 0.95),
		one("mlb-matplotlib", "3.8.2", 8, 0.40),
		one("mlb-tokenizers", "0.15.0", 7, 0.03),
		one("mlb-pillow", "10.1.0", 6, 0.10),
		one("mlb-sympy", "1.12", 5, 1),
		one("mlb-networkx", "3.2.1", 4, 1),
		one("mlb-safetensors", "0.4.1", 2, 0.05),
		one("mlb-regex", "2023.12.25", 1.5, 0.10),
		one("mlb-huggingface-hub", "0.20.1", 1.4, 1),
		one("mlb-fsspec", "2023.12.2", 1.1, 1),
		{Name: "mlb-requests", Versions: versions("2.31", 6), MiB: 0.4, PyShare: 1, Role: RoleSmallBump},
	}
	// The tail: small pure-Python (some with a small extension) packages of 50 kB to 1 MB,
	// deterministic sizes.
	for i := 0; len(t) < 124; i++ {
		py := 1.0
		if i%7 == 3 {
			py = 0.3
		}
		t = append(t, one(fmt.Sprintf("mlb-tail-%03d", i), "1.0.0", 0.05+float64((i*37)%20)*0.05, py))
	}
	for _, a := range []Pkg{
		one("mlb-rich", "13.7.0", 0.6, 1), one("mlb-click", "8.1.7", 0.3, 1), one("mlb-attrs", "23.1.0", 0.2, 1),
	} {
		a.Role = RoleAdd
		t = append(t, a)
	}
	return t
}
