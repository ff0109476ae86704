"""Write the 16-element u16 inputs the host program reads (the book's gen_data step)."""

from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "test_data"


def main(seed: int | None = None) -> None:
    rng = np.random.default_rng(seed)
    DATA.mkdir(exist_ok=True)
    rng.integers(0, 1 << 16, 16, dtype=np.uint16).tofile(DATA / "input_x.bin")
    rng.integers(0, 1 << 16, 16, dtype=np.uint16).tofile(DATA / "input_y.bin")
    print(f"wrote {DATA / 'input_x.bin'} and {DATA / 'input_y.bin'} (16 x u16 each)")


if __name__ == "__main__":
    main()
