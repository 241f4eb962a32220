#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_platform::service::main(
        juxuan_review::SERVICE,
        juxuan_review::settings,
        &juxuan_review::MIGRATIONS,
        |settings, shutdown| async move {
            juxuan_review::App::build(&settings)
                .await?
                .run_until_stopped(shutdown)
                .await
        },
    )
    .await
}
