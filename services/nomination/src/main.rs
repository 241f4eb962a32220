#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_nomination::main().await
}
