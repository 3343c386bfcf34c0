def build(df):
    return df
