import yaml
from datasets import load_dataset
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments


def main():
    with open("training/params.yaml") as f:
        params = yaml.safe_load(f)
    name = params["base_model"]
    tokenizer = AutoTokenizer.from_pretrained(name)
    model = AutoModelForSequenceClassification.from_pretrained(name, num_labels=2)
    data = load_dataset("imdb")
    data = data.map(lambda b: tokenizer(b["text"], truncation=True), batched=True)
    args = TrainingArguments(output_dir="checkpoints", num_train_epochs=params["epochs"])
    Trainer(model=model, args=args, train_dataset=data["train"], tokenizer=tokenizer).train()
    model.save_pretrained("models/sentiment")


if __name__ == "__main__":
    main()
