from transformers import AutoTokenizer


def encode(sentences):
    tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
    return tokenizer(sentences, padding=True, truncation=True)["input_ids"]
