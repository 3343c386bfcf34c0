EXAMPLES = [("hello", "greet"), ("hi there", "greet"), ("bye", "goodbye"), ("see you", "goodbye")]
