from pathlib import Path

from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

from tickets import TicketDataset

MODEL_DIR = "ticket_intents"
BASE = "distilbert-base-uncased"


def main():
    if Path(MODEL_DIR).is_dir():
        return
    data = TicketDataset(AutoTokenizer.from_pretrained(BASE))
    model = AutoModelForSequenceClassification.from_pretrained(BASE, num_labels=data.num_labels)
    Trainer(model=model, args=TrainingArguments("runs", num_train_epochs=3), train_dataset=data).train()
    model.save_pretrained(MODEL_DIR)
    data.tokenizer.save_pretrained(MODEL_DIR)


if __name__ == "__main__":
    main()
