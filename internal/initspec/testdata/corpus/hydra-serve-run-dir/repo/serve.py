import hydra
import uvicorn
from fastapi import FastAPI
from omegaconf import DictConfig

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@hydra.main(version_base="1.3", config_path="conf", config_name="serve")
def main(cfg: DictConfig) -> None:
    uvicorn.run(app, host=cfg.server.host, port=cfg.server.port)


if __name__ == "__main__":
    main()
