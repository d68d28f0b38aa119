"""The Python seed's building blocks, written the way the seed writes them (torchvision's documented recipe):
the transforms, the model, and the sqlite-vec database. seed_ingest.py and seed_app.py use them; nothing here
is tuned for speed.

    transforms  PIL image -> Resize(256) -> CenterCrop(224) -> ToTensor -> Normalize(ImageNet mean, std)
    model       torchvision resnet50(weights=None), fc = Identity, the shared state_dict loaded, eval mode,
                torch.set_num_threads(os.cpu_count()) (Debian's torch starts with one thread)
    database    Python's sqlite3, sqlite-vec's vec0.so loaded with enable_load_extension + load_extension:
                images(id, path) and a vec0 table vec_images(embedding float[2048]) with rowid = images.id
"""

import os
import sqlite3

import torch
import torchvision
from torchvision import transforms

DIMENSION = 2048
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_VEC0 = os.path.join(REPO, "native", "node_modules", "sqlite-vec-linux-x64", "vec0.so")

TRANSFORM = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])


def load_model(weights_path):
    """ResNet-50 without its classifier, in eval mode, with the shared weights; torch threads = cores."""
    torch.set_num_threads(os.cpu_count() or 1)
    model = torchvision.models.resnet50(weights=None)
    model.fc = torch.nn.Identity()
    model.load_state_dict(torch.load(weights_path, map_location="cpu"))
    model.eval()
    return model


def open_database(path, vec0=DEFAULT_VEC0):
    """The seed's database: sqlite-vec loaded into Python's sqlite3, its two tables created when missing."""
    db = sqlite3.connect(path)
    db.enable_load_extension(True)
    db.load_extension(vec0)
    db.enable_load_extension(False)
    db.execute("create table if not exists images (id integer primary key, path text not null unique)")
    db.execute("create virtual table if not exists vec_images using vec0(embedding float[%d])" % DIMENSION)
    return db


def versions():
    """What the seed runs on: Python, its sqlite3 library, torch, torchvision, PIL, FastAPI, Starlette, uvicorn."""
    import platform
    import PIL
    import fastapi
    import starlette
    import uvicorn
    import multipart
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(DEFAULT_VEC0)
    return {
        "python": platform.python_version(),
        "sqlite (Python's sqlite3)": sqlite3.sqlite_version,
        "sqlite-vec (vec_version())": db.execute("select vec_version()").fetchone()[0],
        "torch": torch.__version__,
        "torch threads": os.cpu_count() or 1,
        "torchvision": torchvision.__version__,
        "PIL (Pillow)": PIL.__version__,
        "fastapi": fastapi.__version__,
        "starlette": starlette.__version__,
        "uvicorn": uvicorn.__version__,
        "python-multipart": multipart.__version__,
    }
